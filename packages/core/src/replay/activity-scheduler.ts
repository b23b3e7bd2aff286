import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import type { Cursor, Encoded, ResolvedActivityOptions } from "../model/index.ts";
import type { PreparedCompensation } from "../workflow/effect-host.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import type { EffectWaits } from "./effect-waits.ts";

/**
 * Schedules a run's activity calls and their compensations (the saga's undo calls), and hands
 * out the compensations that completed calls left pending. The execution guards each effect
 * (a broken, ended or cancelled run) before it gets here.
 */
export class ActivityScheduler {
  private readonly recorder: Pick<EffectRecorder, "nextIdentity" | "issue">;
  private readonly waits: Pick<EffectWaits, "add" | "takeCompensation" | "popCompensation">;

  constructor(
    recorder: Pick<EffectRecorder, "nextIdentity" | "issue">,
    waits: Pick<EffectWaits, "add" | "takeCompensation" | "popCompensation">,
  ) {
    this.recorder = recorder;
    this.waits = waits;
  }

  /**
   * Issues activity_scheduled and returns the call's outcome. `undo` marks a compensation: a
   * cancellation never withdraws it, since an undo the code started must still run.
   */
  schedule(
    cursor: Cursor,
    activityName: string,
    args: Encoded,
    options: ResolvedActivityOptions,
    compensation: PreparedCompensation | undefined,
    undo = false,
  ): Promise<unknown> {
    const identity = this.recorder.nextIdentity(cursor);
    this.recorder.issue({ kind: "activity_scheduled", identity, activityName, args, options });
    return this.waits.add(
      identity,
      undo
        ? { kind: "activity", activityName, compensation, undo }
        : { kind: "activity", activityName, compensation },
    );
  }

  /** Takes the compensation of the completed call that returned `result`: each one runs once. */
  takeCompensation(result: object): PreparedCompensation {
    const compensation = this.waits.takeCompensation(result);
    if (compensation === undefined) {
      throw new InvalidEffectArgumentError(
        "compensate",
        "result",
        "is not the result of a completed activity call with a compensation that has not run yet",
        "pass the value the activity call returned, and give that call { compensate: [undo, ...args] }",
      );
    }
    return compensation;
  }

  /** Takes every compensation not yet run, most recent first. */
  takeAllCompensations(): PreparedCompensation[] {
    const pending: PreparedCompensation[] = [];
    for (let next = this.waits.popCompensation(); next !== undefined; next = this.waits.popCompensation())
      pending.push(next);
    return pending;
  }
}
