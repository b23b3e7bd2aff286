// What Journal.startRun checks of a start that carries its first step (both adapters).
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import type { FirstStepStart, StartRunRequest } from "./start-run-types.ts";

/**
 * The request as a {@link FirstStepStart} when it carries a first step, after checking that the
 * step is one an eager start of a fresh run can take: leased to the start's owner with fencing
 * token 1 (the token a first claim would take), computed against `run_started` alone (lastSeq 1),
 * for the run id the start names, and not queued, delayed or under a workflow id (each of those
 * decides later whether and when the run starts, so a step cannot be computed in advance).
 * Undefined when the request has no first step.
 *
 * @throws InvalidEngineOptionError (CTM_INVALID_ARGUMENT) when a condition fails; nothing is written.
 */
export function firstStepStartOf(request: StartRunRequest): FirstStepStart | undefined {
  const step = request.firstStep;
  if (step === undefined) return undefined;
  const refuse = (what: string, value: unknown, expected: string): never => {
    throw new InvalidEngineOptionError(`startRun.${what}`, value, expected);
  };
  const { runId, lease } = request;
  if (runId === undefined) return refuse("runId", runId, "the id of the run the first step was computed for");
  if (lease === undefined) return refuse("lease", lease, "the eager lease the first step was computed under");
  if (request.workflowId !== undefined || request.queue !== undefined)
    return refuse("firstStep", "with a workflow id or queue", "a fresh start (no workflowId, no queue)");
  if (request.startAt !== undefined || request.startDelayMs !== undefined)
    return refuse("firstStep", "with a delayed start", "a start without startAt or startDelayMs");
  if (step.lease.runId !== runId || step.lease.owner !== lease.owner || step.lease.fencingToken !== 1)
    return refuse(
      "firstStep.lease",
      JSON.stringify(step.lease),
      `{ runId: ${runId}, owner: the lease's, fencingToken: 1 }`,
    );
  if (step.lastSeq !== 1) return refuse("firstStep.lastSeq", step.lastSeq, "1 (the run_started event)");
  if (step.delivered.length > 0 || (step.finishTasks?.length ?? 0) > 0)
    return refuse(
      "firstStep",
      "delivering items or finishing attempts",
      "a step of a new run (empty inbox, no attempts)",
    );
  return { ...request, runId, lease, firstStep: step };
}
