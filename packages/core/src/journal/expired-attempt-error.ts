import { ActivityTimeoutError } from "../errors/engine-errors.ts";
import type { ResolvedActivityOptions } from "../model/index.ts";

/**
 * Why a running attempt was abandoned at `deadline`, told from which of its three bounds that
 * was: start-to-close, the heartbeat timeout (counted from its last heartbeat), or else the
 * engine's attempt lease (its engine stopped renewing it: crashed, or paused longer than the
 * lease). Both journal adapters name a last attempt's timeout with it.
 */
export function expiredAttemptError(
  activityName: string,
  attempt: number,
  options: ResolvedActivityOptions,
  deadline: number,
  closeBy: number,
  heartbeatBy: number | undefined,
): ActivityTimeoutError {
  if (deadline >= closeBy)
    return new ActivityTimeoutError(activityName, attempt, options.startToCloseMs, "start_to_close");
  if (heartbeatBy !== undefined && deadline >= heartbeatBy)
    return new ActivityTimeoutError(activityName, attempt, options.heartbeatTimeoutMs ?? 0, "heartbeat");
  return new ActivityTimeoutError(
    activityName,
    attempt,
    Math.max(0, deadline - closeBy + options.startToCloseMs),
    "engine_lease",
  );
}
