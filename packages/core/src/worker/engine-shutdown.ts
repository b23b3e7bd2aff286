import type { Journal } from "../journal/journal.ts";
import type { resolveEngineLog } from "../logging/resolve-engine-log.ts";

type EngineLog = ReturnType<typeof resolveEngineLog>;

/** What {@link Engine.stop} did, for the logs of a deploy. */
export interface StopSummary {
  readonly graceful: boolean;
  readonly durationMs: number;
  /** The graceful wait ran out (`timeoutMs`) before in-flight work finished. */
  readonly timedOut: boolean;
  /** Workflow steps in flight when the stop began. */
  readonly stepsInFlight: number;
  /** Of those, still unfinished when the stop returned (their runs' leases run out on their own). */
  readonly stepsUnfinished: number;
  /** Activity attempts in flight when the stop began. */
  readonly activitiesInFlight: number;
  /** Attempts aborted at the deadline and handed back to the journal, due now, for another engine. */
  readonly activitiesHandedBack: number;
  /** Attempts aborted at the deadline and not handed back (on their last try: left to their lease). */
  readonly activitiesAbandoned: number;
  /** Run leases given back, so another engine steps those runs at once (not after the lease). */
  readonly runsReleased: number;
}

/**
 * SIGTERM / SIGINT for a worker process (EngineOptions.handleSignals): drain, log the summary,
 * close the journal, exit. A second signal while draining exits at once (an impatient operator).
 */
export function handleProcessSignals(
  journal: Journal,
  stop: (options?: { readonly graceful?: boolean }) => Promise<StopSummary>,
  log: EngineLog,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.log("info", `${signal}: draining the engine`, { event: "engine.signal", signal });
    stop({ graceful: true })
      .then(async (summary) => {
        log.log(
          "info",
          `stopped: ${summary.stepsInFlight - summary.stepsUnfinished} step(s) finished, ` +
            `${summary.activitiesHandedBack} attempt(s) handed back, ${summary.runsReleased} lease(s) released`,
          { event: "engine.stopped", ...summary },
        );
        await journal.close();
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.log("error", `stop failed: ${String(error)}`, { event: "engine.stopped" });
        process.exit(1);
      });
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
