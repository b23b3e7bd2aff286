import type { HistoryEventBody } from "../../model/index.ts";
import { isTerminal } from "../../model/run-status.ts";
import { childOutcomeEvent, parentClosedEvent } from "../composition-events.ts";
import { NotifyTopic } from "../notifier.ts";
import type { MemoryStore } from "./memory-store.ts";
import { dropPendingTasks } from "./memory-tasks.ts";

/**
 * Ends an open run at once, from outside its lease (`idReusePolicy: "terminateExisting"`, a
 * forced cancel of a run no engine holds), as
 * the SQL journal's terminateRun does: `cancelled` with a `run_cancelled` event, the lease
 * fenced off, its queued work dropped, its parent told, its "cancel" children asked to cancel.
 * Returns false when the run had already ended.
 */
export function terminateRun(
  store: MemoryStore,
  runId: string,
  reason: string | undefined,
  options: { readonly request?: HistoryEventBody } = {},
): boolean {
  const row = store.runs.get(runId);
  if (row === undefined || isTerminal(row.status)) return false;
  const now = store.clock.now();
  const event: HistoryEventBody =
    reason === undefined ? { kind: "run_cancelled" } : { kind: "run_cancelled", reason };
  // The request that ended it (a forced cancel), journaled before the end, as a step would.
  for (const body of options.request === undefined ? [event] : [options.request, event]) {
    row.lastSeq += 1;
    row.history.push({ ...body, seq: row.lastSeq, at: now });
  }
  row.status = "cancelled";
  delete row.inProcessCalls;
  row.fencingToken += 1;
  row.leaseOwner = undefined;
  row.leaseExpiresAt = undefined;
  row.notBefore = undefined;
  row.finishedAt = now;
  row.updatedAt = now;
  row.inbox = [];
  dropPendingTasks(store, runId);
  for (const [key, timer] of store.timers) if (timer.runId === runId) store.timers.delete(key);
  store.notifier.publish(NotifyTopic.runFinished, runId);
  if (row.parentRunId !== undefined && row.parentIdentity !== undefined) {
    const parent = store.runs.get(row.parentRunId);
    const outcome = childOutcomeEvent(row.parentIdentity, { status: "cancelled" }, [event]);
    if (parent !== undefined && outcome !== undefined) store.pushInbox(parent, outcome, now);
  }
  for (const childId of store.childrenOf.get(runId) ?? []) {
    const child = store.runs.get(childId);
    if (child !== undefined && child.parentClosePolicy === "cancel" && !isTerminal(child.status))
      store.pushInbox(child, parentClosedEvent(runId, "cancelled"), now);
  }
  return true;
}
