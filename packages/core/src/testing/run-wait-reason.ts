import type { Journal, RunRecord } from "../journal/journal.ts";
import type { HistoryEvent } from "../model/history-event.ts";
import type { Registry } from "../worker/registry.ts";

/**
 * Says in words why a run that nothing more can happen to is stuck: no engine registers its
 * workflow (or its version), or it waits for signals nobody scheduled. Used in the test kit's
 * "can never reach" errors, so a failing test names what the run waits for.
 */
export async function runWaitReason(
  journal: Journal,
  registry: Registry,
  run: RunRecord,
  depth = 0,
): Promise<string> {
  if (!registry.workflowNames().includes(run.workflowName))
    return `no engine registers workflow ${JSON.stringify(run.workflowName)} (pass it in workflows, or to env.restart({ workflows }))`;
  if (registry.workflowVersion(run.workflowName, run.versionHash) === undefined)
    return `no engine has version ${run.versionHash} of workflow ${JSON.stringify(run.workflowName)} (the run started on code that is not registered any more)`;
  const history = await journal.readHistory(run.runId);
  const signals = openSignalWaits(history);
  if (signals.length > 0)
    return `it waits for ${signals.length === 1 ? "signal" : "signals"} ${signals.map((name) => JSON.stringify(name)).join(", ")}, which nobody has sent (env.sendSignal)`;
  for (const child of openChildren(history)) {
    const childRun =
      child.runId === undefined
        ? await journal.getRunByWorkflowId(run.namespace, child.workflowId)
        : await journal.getRun(child.runId);
    const named =
      childRun === undefined
        ? `its child ${JSON.stringify(child.workflowName)}`
        : `its child run ${childRun.runId} (${childRun.workflowName})`;
    if (!registry.workflowNames().includes(child.workflowName))
      return `it waits for ${named}, whose workflow no engine registers (pass it in workflows)`;
    // A few levels are enough to name the culprit; a deeper tree is reported at this level.
    if (childRun !== undefined && depth < 4)
      return `it waits for ${named}, and ${await runWaitReason(journal, registry, childRun, depth + 1)}`;
  }
  return "it waits for something only the test can send (a signal, a cancellation) and no timer or task is scheduled";
}

/** Children started and not finished yet, in start order. */
function openChildren(
  history: readonly HistoryEvent[],
): { workflowName: string; workflowId: string; runId?: string }[] {
  const open = new Map<string, { workflowName: string; workflowId: string; runId?: string }>();
  for (const event of history) {
    if (event.kind === "child_started")
      open.set(JSON.stringify(event.identity), {
        workflowName: event.workflowName,
        workflowId: event.workflowId,
        ...(event.runId === undefined ? {} : { runId: event.runId }),
      });
    else if (event.kind === "child_completed" || event.kind === "child_failed")
      open.delete(JSON.stringify(event.identity));
  }
  return [...open.values()];
}

/** Signal names the run waits for: waits started and neither served by a signal nor timed out. */
function openSignalWaits(history: readonly HistoryEvent[]): string[] {
  const open: { identity: string; name: string }[] = [];
  for (const event of history) {
    if (event.kind === "signal_wait_started")
      open.push({ identity: JSON.stringify(event.identity), name: event.name });
    else if (event.kind === "signal_received") {
      // The first waiter for the name, in journal order, takes the signal.
      const index = open.findIndex((wait) => wait.name === event.name);
      if (index >= 0) open.splice(index, 1);
    } else if (event.kind === "timer_fired") {
      const identity = JSON.stringify(event.identity);
      const index = open.findIndex((wait) => wait.identity === identity);
      if (index >= 0) open.splice(index, 1);
    }
  }
  return [...new Set(open.map((wait) => wait.name))];
}
