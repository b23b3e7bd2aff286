import { StaleAttemptError } from "../errors/journal-errors.ts";
import { attemptRef, type AttemptRow } from "./attempt-row.ts";
import { decode } from "../codec/index.ts";
import { ActivityNotRegisteredError, ActivityTimeoutError } from "../errors/engine-errors.ts";
import { CancelledError } from "../errors/workflow-errors.ts";
import { runWithActivityContext, type ActivityContext } from "./activity-context.ts";
import { emitEvent } from "./engine-events.ts";
import { isCompensation } from "./step-reports.ts";
import { heartbeatFlushMs, type AttemptHeartbeats, type HeartbeatBatcher } from "./heartbeat-batcher.ts";
import type { AttemptResult } from "./decide-outcome.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";
import type { TraceContext } from "../model/trace-context.ts";
import type { ActivityPoolOptions, FinishLocally } from "./activity-pool-options.ts";
import type { OutcomeReporter } from "./outcome-reporter.ts";

/**
 * Runs one claimed attempt to its end: calls the activity with the decoded arguments inside an
 * {@link ActivityContext}, enforces its start-to-close and heartbeat timeouts, tracks its
 * heartbeats and then reports its outcome. An abandoned attempt (timed out, refused by the
 * journal, engine stopping) is not reported: the journal's clock re-issues it.
 */
export interface AttemptRunner {
  /** Attempts still inside their activity function (the others are writing their outcome). */
  readonly inActivityCode: number;
  /**
   * Runs `row`'s attempt, resolving with how it ended: its outcome reported (or found not to be
   * its to report), or abandoned; `abandoned` settles when the pool gives the attempt up (then `abandon` was
   * called), and `controller` is the attempt's abort signal.
   */
  run(
    row: AttemptRow,
    controller: AbortController,
    abandoned: Promise<AttemptResult>,
    abandon: (reason: Error) => void,
    finishLocally?: FinishLocally,
  ): Promise<"reported" | "abandoned">;
}

/** Creates the {@link AttemptRunner} of a pool. */
export function createAttemptRunner(
  options: Pick<
    ActivityPoolOptions,
    "activities" | "events" | "timers" | "instrument" | "attemptLeaseMs" | "onAttemptLost"
  >,
  batcher: HeartbeatBatcher,
  reportOutcome: OutcomeReporter,
): AttemptRunner {
  const { events, timers } = options;
  let inUserCode = 0;

  const run: AttemptRunner["run"] = async (row, controller, abandoned, abandon, finishLocally) => {
    const claim = row.claim;
    const base = {
      runId: claim.runId,
      taskId: claim.taskId,
      identity: claim.identity,
      activityName: claim.activityName,
      attempt: claim.attempt,
    };
    const startedAt = performance.now();
    emitEvent(events, "activity.started", base);
    if (isCompensation(claim.identity)) emitEvent(events, "compensation.started", base);

    const timeOut = (kind: "start_to_close" | "heartbeat", timeoutMs: number): void => {
      emitEvent(events, "activity.timed_out", { ...base, timeoutMs, kind });
      abandon(new ActivityTimeoutError(claim.activityName, claim.attempt, timeoutMs, kind));
    };
    const { startToCloseMs, heartbeatTimeoutMs } = claim.options;
    const cancelHardTimeout = timers.after(startToCloseMs, () => timeOut("start_to_close", startToCloseMs));
    let cancelHeartbeatTimeout =
      heartbeatTimeoutMs === undefined
        ? () => {}
        : timers.after(heartbeatTimeoutMs, () => timeOut("heartbeat", heartbeatTimeoutMs));

    const stale = (error: StaleAttemptError): void => {
      emitEvent(events, "activity.stale", base);
      abandon(error);
    };
    const track = (): AttemptHeartbeats =>
      batcher.track(attemptRef(row.claim), heartbeatFlushMs(heartbeatTimeoutMs), {
        onRefused: stale,
        // Told by the journal, whichever engine stepped the run: the call was withdrawn.
        onWithdrawn: () => {
          if (!controller.signal.aborted)
            controller.abort(new CancelledError("the workflow no longer waits for this call"));
        },
      });
    // An in-process attempt has no row to heartbeat or renew until it gets one (see AttemptRow).
    let heartbeats: AttemptHeartbeats | undefined = row.inProcess ? undefined : track();
    let settled = false;
    const persisted = async (): Promise<AttemptHeartbeats | undefined> => {
      if (heartbeats !== undefined) return heartbeats;
      const ok = await row.persist();
      if (settled) return undefined;
      if (!ok) {
        stale(new StaleAttemptError(claim.taskId, claim.attempt));
        return undefined;
      }
      heartbeats ??= track();
      return heartbeats;
    };
    // One that runs longer than a third of the engine's attempt lease gets its row, so that it
    // shows in the task list, its lease is renewed and a hand-back finds it like any other.
    const cancelPersist =
      heartbeats !== undefined || options.attemptLeaseMs === undefined
        ? () => {}
        : timers.after(options.attemptLeaseMs / 3, () => {
            void persisted().catch((error: unknown) =>
              emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId }),
            );
          });
    let lastDetails: { value: unknown } | undefined;
    let traceContext: TraceContext | undefined;
    const context: ActivityContext = {
      runId: claim.runId,
      taskId: claim.taskId,
      identity: claim.identity,
      activityName: claim.activityName,
      attempt: claim.attempt,
      signal: controller.signal,
      get traceContext() {
        return traceContext;
      },
      // Decoded when first read: a payload that no longer decodes fails the code that reads it.
      get lastHeartbeatDetails() {
        if (claim.lastHeartbeatDetails === undefined) return undefined;
        lastDetails ??= { value: decode(claim.lastHeartbeatDetails, "heartbeat details") };
        return lastDetails.value;
      },
      heartbeat: async (details?: unknown) => {
        if (controller.signal.aborted) return;
        // Encoded now: unserializable details throw here, in the activity that passed them.
        const encoded = details === undefined ? undefined : encodeWithinLimit(details, "heartbeat details");
        if (heartbeatTimeoutMs !== undefined) {
          cancelHeartbeatTimeout();
          cancelHeartbeatTimeout = timers.after(heartbeatTimeoutMs, () =>
            timeOut("heartbeat", heartbeatTimeoutMs),
          );
        }
        // Activities may heartbeat in tight loops: the engine's next flush carries the latest
        // heartbeat of each attempt, all attempts in one journal call.
        if (heartbeats !== undefined) heartbeats.beat(encoded);
        else {
          // A journal blip while giving the attempt its row is the engine's problem, not the
          // activity's: heartbeats never throw for it (the next heartbeat tries again).
          const tracked = await persisted().catch((error: unknown) => {
            emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId });
            return undefined;
          });
          tracked?.beat(encoded);
        }
      },
    };

    const work = (async (): Promise<AttemptResult> => {
      const implementation = options.activities.get(claim.activityName);
      if (implementation === undefined) throw new ActivityNotRegisteredError(claim.activityName);
      const args = decode(claim.args, "args");
      const list = Array.isArray(args) ? args : [args];
      const call = async (): Promise<unknown> =>
        runWithActivityContext(context, () => implementation(...list));
      const instrument = options.instrument;
      if (instrument === undefined) return { kind: "returned", value: await call() };
      traceContext = await instrument.traceContexts.resolve(claim.runId);
      return { kind: "returned", value: await instrument.around(context, call) };
    })().catch((error: unknown): AttemptResult => ({ kind: "threw", error }));

    inUserCode += 1;
    const result = await Promise.race([work, abandoned]).finally(() => {
      inUserCode -= 1;
    });
    cancelHardTimeout();
    cancelHeartbeatTimeout();
    cancelPersist();
    if (result.kind === "abandoned") {
      settled = true;
      heartbeats?.close();
      if (!controller.signal.aborted) controller.abort(result.reason);
      // A timed-out in-process attempt gets its row, past its deadline: the journal retries it
      // as any abandoned attempt (an engine stopping hands its attempts back itself).
      if (result.reason instanceof ActivityTimeoutError && row.inProcess)
        await row.persist().catch((error: unknown) => {
          emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId });
          // No row and none written: let the run's lease run out so that the call is re-issued.
          options.onAttemptLost?.(claim.runId);
        });
      return "abandoned";
    }
    // Renewed until its outcome is written: a slow report must not outlive the attempt's lease.
    heartbeats?.finishing();
    try {
      await reportOutcome(row, result, controller.signal.aborted, base, startedAt, finishLocally);
    } finally {
      settled = true;
      heartbeats?.close();
    }
    return "reported";
  };

  return {
    get inActivityCode() {
      return inUserCode;
    },
    run,
  };
}
