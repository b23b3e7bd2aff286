import { RunAlreadyExistsError } from "../../errors/journal-errors.ts";
import { isTerminal } from "../../model/run-status.ts";
import type { FirstStepStart, StartRunResult } from "../journal.ts";
import { toRunRecord } from "./memory-rows.ts";
import { startRun } from "./memory-runs.ts";
import { commitStep } from "./memory-steps.ts";
import { MemoryStore } from "./memory-store.ts";

/**
 * An eager start with its first step (StartRunRequest.firstStep), all or nothing: the run is
 * inserted leased, then the step committed; a step commitStep refuses (it validates before it
 * changes anything) takes the new run away again, so nothing is left.
 */
export function startWithFirstStep(store: MemoryStore, request: FirstStepStart): StartRunResult {
  const holder = store.runs.get(
    store.byWorkflowId.get(MemoryStore.workflowKey(request.namespace, request.runId)) ?? "",
  );
  if (store.runs.has(request.runId) || (holder !== undefined && !isTerminal(holder.status)))
    throw new RunAlreadyExistsError(request.runId, request.runId);
  const { firstStep, ...start } = request;
  const started = startRun(store, start);
  try {
    const committed = commitStep(store, firstStep);
    const row = store.runs.get(request.runId);
    if (row === undefined) throw new Error(`run ${request.runId} vanished during its start`);
    return { run: toRunRecord(row), created: true, firstStep: committed };
  } catch (error) {
    // commitStep validates before it writes, but a task or timer written before a late refusal
    // goes too: nothing of the run may be left for a start that failed.
    const runId = started.run.runId;
    store.runs.delete(runId);
    store.byWorkflowId.delete(MemoryStore.workflowKey(started.run.namespace, started.run.workflowId));
    for (const [taskId, task] of store.tasks) if (task.runId === runId) store.tasks.delete(taskId);
    for (const [key, timer] of store.timers) if (timer.runId === runId) store.timers.delete(key);
    if (request.parentRunId !== undefined) {
      const siblings = store.childrenOf.get(request.parentRunId);
      if (siblings !== undefined)
        store.childrenOf.set(
          request.parentRunId,
          siblings.filter((id) => id !== runId),
        );
    }
    throw error;
  }
}
