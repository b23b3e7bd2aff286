import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/** What replay knows about one side of a drift: an effect as recorded, or as the code issues it now. */
export interface DriftSide {
  /** `activity payments.charge`, `timer`, `signal wait fraud_review`, `value`, `run_completed`, ... */
  readonly effect: string;
  /** Effect identity (`cursor@occurrence`), when the side is an effect. */
  readonly identity?: string;
  /** History seq of the recorded event. */
  readonly seq?: number;
  /** Where the call is in the source, when known (call-site stack frame or stamp position). */
  readonly location?: string;
}

/** Data of a {@link ReplayDriftError}. */
export interface ReplayDriftData {
  readonly runId: string;
  readonly workflowName: string;
  /** `changed`: the code issues another effect here; `added`: it issues one that was never recorded; `removed`: it no longer issues a recorded one; `outcome`: it ends differently. */
  readonly drift: "changed" | "added" | "removed" | "outcome";
  readonly recorded?: DriftSide;
  readonly current?: DriftSide;
  [key: string]: unknown;
}

function describe(side: DriftSide | undefined, none: string): string {
  if (side === undefined) return none;
  const where = side.location === undefined ? "" : `, ${side.location}`;
  const id = side.identity === undefined ? "" : ` [${side.identity}]`;
  const seq = side.seq === undefined ? "" : ` (seq ${side.seq})`;
  return `${side.effect}${id}${seq}${where}`;
}

/**
 * The workflow code no longer does what its run's history says it did: replaying it issues a
 * different effect, an extra one, or fewer. The execution is dropped and nothing is written.
 */
export class ReplayDriftError extends ContinuumError<ReplayDriftData> {
  constructor(data: ReplayDriftData) {
    super(
      ErrorCode.ReplayDrift,
      `replay of run ${data.runId} (workflow ${JSON.stringify(data.workflowName)}) drifted (${data.drift}):\n` +
        `  recorded: ${describe(data.recorded, "nothing")}\n` +
        `  code now: ${describe(data.current, "nothing")}`,
      {
        data,
        hint: "the effect calls changed under runs already in flight: keep the previous code registered for them (runs pick code by version hash) and ship the change as a new version",
      },
    );
  }
}

/** The replay engine was used against its contract (a step after the run finished, two steps at once). */
export class ExecutionStateError extends ContinuumError<{ runId: string; state: string }> {
  constructor(runId: string, state: string, message: string) {
    super(ErrorCode.InvalidArgument, `execution of run ${runId}: ${message}`, {
      data: { runId, state },
      hint: "step an execution one call at a time and drop it once it finished, was disposed or threw",
    });
  }
}
