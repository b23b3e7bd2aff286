import type { Journal, RunRecord } from "../journal/journal.ts";
import { isTerminal, RunStatus } from "../model/run-status.ts";
import { deserializeError } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import type { RunHandle } from "../client/create-client.ts";
import type { RunDescription } from "../client/run-description.ts";
import type { Registry } from "../worker/registry.ts";
import { runWaitReason } from "./run-wait-reason.ts";
import type { WaitCondition, WaitForOptions } from "./test-environment.ts";

/** What {@link runWaits} waits with. */
export interface RunWaitsOptions {
  readonly journal: Journal;
  /** Drives the engine until `done()`; false when nothing more can happen. */
  readonly drive: (done: () => Promise<boolean>, skipTime: boolean) => Promise<boolean>;
  /** The current engine's registry (it changes with restarts). */
  readonly registry: () => Registry;
  readonly describe: (runId: string) => Promise<RunDescription>;
}

/**
 * The test environment's waits on one run: `waitFor` a status or condition, and `finish`
 * (drive until the run and its continue-as-new successors ended), each failing with the run
 * and what it waits for when nothing more can happen.
 */
export function runWaits(options: RunWaitsOptions) {
  const getRun = async (runId: string): Promise<RunRecord> => {
    const run = await options.journal.getRun(runId);
    if (run === undefined) throw new RunNotFoundError(runId);
    return run;
  };

  const neverError = async (runId: string, wanted: string, skipTime: boolean): Promise<TestKitError> => {
    const run = await getRun(runId);
    const reason =
      !skipTime && (await options.journal.nextDueAt()) !== undefined
        ? "nothing is due without moving the clock (skipTime is off; use env.advanceTime or skipTime: true)"
        : await runWaitReason(options.journal, options.registry(), run);
    return new TestKitError(
      `run ${runId} (${run.workflowName}) can never reach ${wanted}: it is ${run.status} and ${reason}`,
      { runId, workflowName: run.workflowName, status: run.status, expected: wanted },
      "send what the run waits for (env.sendSignal, env.client.cancel), register its workflow, or move the clock",
    );
  };

  const waitFor = async <Output = unknown>(
    run: string | RunHandle<Output>,
    condition: WaitCondition<Output>,
    waitOptions: WaitForOptions = {},
  ): Promise<RunDescription<unknown, Output>> => {
    const runId = typeof run === "string" ? run : run.runId;
    const skipTime = waitOptions.skipTime ?? true;
    const wanted = typeof condition === "string" ? condition : "the awaited condition";
    const reached = await options.drive(async () => {
      const record = await getRun(runId);
      if (typeof condition === "string") {
        if (record.status === condition) return true;
      } else if (await condition((await options.describe(runId)) as RunDescription<unknown, Output>))
        return true;
      if (isTerminal(record.status)) {
        throw new TestKitError(
          `run ${runId} ended ${record.status}, not ${wanted}${record.error === undefined ? "" : `: ${record.error.name}: ${record.error.message}`}`,
          { runId, status: record.status, expected: wanted },
          "check the workflow's history (env.client.history(runId)) to see how it ended",
          record.error === undefined ? undefined : deserializeError(record.error),
        );
      }
      return false;
    }, skipTime);
    if (!reached) throw await neverError(runId, wanted, skipTime);
    return (await options.describe(runId)) as RunDescription<unknown, Output>;
  };

  /** Drives until the run (and any continue-as-new successor) is terminal. */
  const finish = async (runId: string): Promise<void> => {
    let current = runId;
    for (;;) {
      const reached = await options.drive(async () => isTerminal((await getRun(current)).status), true);
      if (!reached) throw await neverError(current, "the end of the run", true);
      const run = await getRun(current);
      if (run.status !== RunStatus.continued || run.continuedTo === undefined) return;
      current = run.continuedTo;
    }
  };

  return { waitFor, finish };
}
