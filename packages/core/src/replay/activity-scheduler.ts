import type { Cursor, Encoded, ResolvedActivityOptions } from "../model/index.ts";
import type { PreparedCompensation } from "../workflow/effect-host.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import type { EffectWaits } from "./effect-waits.ts";

/**
 * Schedules a run's activity calls and their compensations (the saga's undo calls; the
 * CompensationLedger decides which to run). The execution guards each effect
 * (a broken, ended or cancelled run) before it gets here.
 */
export class ActivityScheduler {
  private readonly recorder: Pick<EffectRecorder, "nextIdentity" | "issue">;
  private readonly waits: Pick<EffectWaits, "add">;

  constructor(recorder: Pick<EffectRecorder, "nextIdentity" | "issue">, waits: Pick<EffectWaits, "add">) {
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
}
