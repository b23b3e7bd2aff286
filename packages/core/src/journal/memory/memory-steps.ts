import {
  InboxNotEmptyError,
  LeaseLostError,
  RunAlreadyExistsError,
  SequenceConflictError,
  StaleAttemptError,
} from "../../errors/journal-errors.ts";
import type { HistoryEventBody, ResolutionEvent } from "../../model/index.ts";
import { decideWorkflowIdReuse, defaultWorkflowIdReusePolicy } from "../../model/workflow-id-reuse-policy.ts";
import { isTerminal } from "../../model/run-status.ts";
import {
  carriedSignalEvents,
  childIdTakenEvent,
  childOutcomeEvent,
  parentClosedEvent,
} from "../composition-events.ts";
import { instantAfter, storableInstant } from "../instant-limits.ts";
import { applyAttributeUpdates, attributeUpdatesOf } from "../attribute-updates.ts";
import type { NewChildRun, RunLeaseRef, StepCommit, StepCommitResult, TaskClaim } from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import type { RunRow } from "./memory-rows.ts";
import { getRunByWorkflowId, insertRun } from "./memory-runs.ts";
import { terminateRun } from "./memory-terminate.ts";
import { MemoryStore } from "./memory-store.ts";
import { checkFinishedTasks, closeFinishedTasks, dropPendingTasks, scheduleTask } from "./memory-tasks.ts";
import { inProcessChange } from "../in-process-attempts.ts";

/**
 * Commits one workflow step under its lease: appends the events, schedules tasks and timers,
 * creates children, and when the run ends, hands over to its successor or reports to its parent
 * and closes its children. Validates everything first, so a rejected commit changes nothing.
 */
export function commitStep(store: MemoryStore, commit: StepCommit): StepCommitResult {
  const row = fencedRun(store, commit.lease);
  if (row.lastSeq !== commit.lastSeq) throw new SequenceConflictError(row.runId, commit.lastSeq, row.lastSeq);
  const successor = commit.run.status === "continued" ? commit.run.continuedTo : undefined;
  if (successor !== undefined && store.runs.has(successor))
    throw new RunAlreadyExistsError(row.workflowId, successor);
  for (const child of commit.children ?? []) {
    if (store.runs.has(child.runId)) throw new RunAlreadyExistsError(child.workflowId, child.runId);
  }
  const now = store.clock.now();
  // Validated before anything changes (atomic, like the SQL transaction).
  const fireTimes = commit.timers.map((timer) =>
    timer.until === undefined
      ? instantAfter("timer delayMs", now, timer.delayMs ?? 0)
      : storableInstant("timer until", timer.until),
  );
  if (
    commit.requireEmptyInbox === true &&
    !inboxAsAssumed(
      row.inbox.map((item) => item.id),
      commit.delivered,
    )
  )
    throw new InboxNotEmptyError(row.runId);
  const finishing = checkFinishedTasks(store, row.runId, commit.finishTasks ?? [], now);
  // The in-process attempts it finishes must still be the run's (not persisted or re-issued).
  const change = inProcessChange(commit, isTerminal(commit.run.status));
  const listed = new Set(row.inProcessCalls ?? []);
  const unlisted = (commit.finishTasks ?? []).find(
    (f) => f.claim.inProcess === true && (f.claim.identity === undefined || !listed.has(f.claim.identity)),
  );
  if (unlisted !== undefined) throw new StaleAttemptError(unlisted.claim.taskId, unlisted.claim.attempt);
  const events = structuredClone(commit.events);
  events.forEach((event, i) => row.history.push({ ...event, seq: commit.lastSeq + i + 1, at: now }));
  row.lastSeq = commit.lastSeq + events.length;
  // A step by the lease holder ends any deferral (an eager start's included), except the eager
  // window kept by a step that keeps the run (as the SQL journal's one-statement commit does to
  // stay HOT): the run stays never-stepped-ready, deferred to the starter's first lease's end.
  const delivered = new Set(commit.delivered);
  row.inbox = row.inbox.filter((item) => !delivered.has(item.id));
  // Kept only while the run has nothing to do: with items left, it must be claimable at once.
  const keepsEagerWindow =
    commit.leaseMs !== undefined &&
    !isTerminal(commit.run.status) &&
    !row.stepped &&
    row.inbox.length === 0 &&
    row.notBefore !== undefined &&
    row.notBefore > now;
  if (!keepsEagerWindow) row.notBefore = undefined;
  const ending = isTerminal(commit.run.status);
  // Queued work of a run that ends is dropped; what this very step issues is kept, detached.
  if (ending) dropPendingTasks(store, row.runId);
  else if (commit.cancelTasks !== undefined && commit.cancelTasks.length > 0)
    dropPendingTasks(store, row.runId, new Set(commit.cancelTasks));
  closeFinishedTasks(store, finishing, commit.finishTasks ?? []);
  const calls = ending
    ? []
    : [...(row.inProcessCalls ?? []).filter((c) => !change.removed.includes(c)), ...change.added];
  if (calls.length === 0) delete row.inProcessCalls;
  else row.inProcessCalls = calls;
  const claimedTasks: TaskClaim[] = [];
  for (const task of commit.tasks) {
    const claimed = scheduleTask(store, row, task, now, ending, commit.lease.owner, commit.attemptLeaseMs);
    if (claimed !== undefined) claimedTasks.push(claimed);
  }
  for (const [i, timer] of commit.timers.entries()) {
    const fireAt = fireTimes[i] as number;
    store.timers.set(MemoryStore.timerKey(row.runId, timer.identity), {
      runId: row.runId,
      identity: timer.identity,
      fireAt,
      order: store.nextOrder(),
      createdAt: now,
    });
    store.notifier.publish(NotifyTopic.timerSet, row.runId);
  }
  // After creation: a signal wait that started and was resolved in the same step leaves no timer.
  for (const identity of commit.cancelTimers) store.timers.delete(MemoryStore.timerKey(row.runId, identity));
  for (const child of commit.children ?? []) startChild(store, row, child, now);
  if (!keepsEagerWindow) row.stepped = true;
  const attributeUpdates = attributeUpdatesOf(events);
  if (attributeUpdates !== undefined)
    row.attributes = applyAttributeUpdates(row.attributes, attributeUpdates);
  row.status = commit.run.status;
  if (commit.run.result !== undefined) row.result = structuredClone(commit.run.result);
  if (commit.run.error !== undefined) row.error = structuredClone(commit.run.error);
  if (commit.run.continuedTo !== undefined) row.continuedTo = commit.run.continuedTo;
  row.updatedAt = now;
  if (isTerminal(row.status)) {
    row.finishedAt = now;
    row.leaseOwner = undefined;
    row.leaseExpiresAt = undefined;
    // Signals nobody took yet belong to the chain: they move to the successor, oldest first.
    const handover =
      successor === undefined
        ? []
        : [
            ...carriedSignalEvents(events),
            ...row.inbox.map((item) => item.event).filter((event) => event.kind === "signal_received"),
          ];
    row.inbox = [];
    for (const [key, timer] of store.timers) if (timer.runId === row.runId) store.timers.delete(key);
    store.notifier.publish(NotifyTopic.runFinished, row.runId);
    if (successor !== undefined) continueAsNew(store, row, successor, events, handover, now);
    else reportToParent(store, row, commit, events, now);
    closeChildren(store, row, now);
  } else {
    if (commit.leaseMs !== undefined) row.leaseExpiresAt = now + commit.leaseMs;
    if (row.inbox.length > 0) store.notifier.publish(NotifyTopic.runReady, row.runId);
  }
  const ready = !isTerminal(row.status) && row.inbox.length > 0;
  return {
    lastSeq: row.lastSeq,
    now,
    ...(ready ? { ready } : {}),
    ...(claimedTasks.length === 0 ? {} : { claimedTasks }),
  };
}

/** The run behind a lease, when the lease is still the run's current one. */
function fencedRun(store: MemoryStore, lease: RunLeaseRef): RunRow {
  const row = store.runs.get(lease.runId);
  if (row === undefined || row.leaseOwner !== lease.owner || row.fencingToken !== lease.fencingToken) {
    throw new LeaseLostError(lease.runId, lease.fencingToken);
  }
  return row;
}

/** The successor of a continued run: same chain (workflow id, parent link, dedupe ids), input from run_continued. */
function continueAsNew(
  store: MemoryStore,
  row: RunRow,
  successor: string,
  events: readonly HistoryEventBody[],
  handover: readonly ResolutionEvent[],
  now: number,
): void {
  const continued = events.find((event) => event.kind === "run_continued");
  const next = insertRun(store, {
    runId: successor,
    namespace: row.namespace,
    workflowId: row.workflowId,
    workflowName: row.workflowName,
    versionHash: row.versionHash,
    input: continued?.kind === "run_continued" ? continued.input : null,
    attributes: row.attributes,
    ...(row.parentRunId === undefined ? {} : { parentRunId: row.parentRunId }),
    ...(row.parentIdentity === undefined ? {} : { parentIdentity: row.parentIdentity }),
    ...(row.parentClosePolicy === undefined ? {} : { parentClosePolicy: row.parentClosePolicy }),
    ...(row.traceContext === undefined ? {} : { traceContext: row.traceContext }),
    // A queued run's successor waits in the same place of the same queue (not bypassing it).
    ...(row.queue === undefined
      ? {}
      : {
          queue: {
            name: row.queue.name,
            priority: row.queue.priority,
            ...(row.queue.dedupeKey === undefined ? {} : { dedupeKey: row.queue.dedupeKey }),
            ...(row.queue.partitionKey === undefined ? {} : { partitionKey: row.queue.partitionKey }),
          },
        }),
  });
  for (const id of row.deliveryIds) next.deliveryIds.add(id);
  for (const event of handover) store.pushInbox(next, event, now);
}

/** A child run created by its parent's step; a taken workflow id fails the call in the parent instead. */
function startChild(store: MemoryStore, parent: RunRow, child: NewChildRun, now: number): void {
  // The same rule as a start: the id's reuse policy decides on the latest run with the id.
  const existing = getRunByWorkflowId(store, parent.namespace, child.workflowId);
  const decision = decideWorkflowIdReuse(
    child.idReusePolicy ?? defaultWorkflowIdReusePolicy,
    existing?.status,
  ).kind;
  if (existing !== undefined && decision === "conflict") {
    store.pushInbox(parent, childIdTakenEvent(child.parentIdentity, child.workflowId, existing.runId), now);
    return;
  }
  if (existing !== undefined && decision === "terminateThenStart")
    terminateRun(
      store,
      existing.runId,
      `terminated by a new child start with workflow id ${child.workflowId}`,
    );
  insertRun(store, {
    runId: child.runId,
    namespace: parent.namespace,
    workflowId: child.workflowId,
    workflowName: child.workflowName,
    versionHash: child.versionHash,
    input: child.input,
    parentRunId: parent.runId,
    parentIdentity: child.parentIdentity,
    parentClosePolicy: child.parentClosePolicy,
    ...(child.traceContext === undefined ? {} : { traceContext: child.traceContext }),
  });
}

/** A finished child tells its parent, in the commit that finishes it. */
function reportToParent(
  store: MemoryStore,
  row: RunRow,
  commit: StepCommit,
  events: readonly HistoryEventBody[],
  now: number,
): void {
  if (row.parentRunId === undefined || row.parentIdentity === undefined) return;
  const parent = store.runs.get(row.parentRunId);
  const outcome = childOutcomeEvent(row.parentIdentity, commit.run, events);
  if (parent !== undefined && outcome !== undefined) store.pushInbox(parent, outcome, now);
}

/** A finished run cancels its children that still run, unless they were started with "abandon". */
function closeChildren(store: MemoryStore, row: RunRow, now: number): void {
  for (const childId of store.childrenOf.get(row.runId) ?? []) {
    const other = store.runs.get(childId);
    if (other !== undefined && other.parentClosePolicy === "cancel" && !isTerminal(other.status)) {
      store.pushInbox(other, parentClosedEvent(row.runId, row.status), now);
    }
  }
}

/** StepCommit.requireEmptyInbox: every delivered item still there, none older left undelivered. */
function inboxAsAssumed(inbox: readonly number[], delivered: readonly number[]): boolean {
  const newest = delivered.length === 0 ? Infinity : Math.max(...delivered);
  return (
    delivered.every((id) => inbox.includes(id)) && !inbox.some((id) => id < newest && !delivered.includes(id))
  );
}
