import { assertStamped } from "../workflow/workflow.ts";
import type { AnyWorkflowDefinition } from "../workflow/workflow.ts";
import type { Execution, ExecutionOptions, ExecutionRun } from "./execution-contract.ts";
import { WorkflowExecution } from "./workflow-execution.ts";

/**
 * Brings a run's workflow function back to life: runs it from the top, delivering the
 * recorded resolution events one at a time in journal order (all microtasks settle between
 * two deliveries) and checking every effect the code issues against the recorded command
 * events. Effects the code issues after the end of the history are returned by the first
 * `step()`. Rejects with `ReplayDriftError` (CTM_REPLAY_DRIFT) when the code and the history
 * disagree, and with CTM_WORKFLOW_NOT_TRANSFORMED for a workflow without a stamp.
 *
 * @example
 * ```ts
 * const execution = await createExecution(orderFlow, { runId, workflowId, history }, { logSink });
 * const { events, commands, outcome } = await execution.step({ now: await journal.now(), deliveries });
 * ```
 */
export async function createExecution(
  definition: AnyWorkflowDefinition,
  run: ExecutionRun,
  options: ExecutionOptions = {},
): Promise<Execution> {
  assertStamped(definition);
  const execution = new WorkflowExecution(definition, run.runId, run.history, options);
  await execution.replay(run.history[0]);
  return execution;
}
