import type { SerializedError } from "../model/index.ts";
import type { EngineEventEmitter, EngineEvents } from "../worker/engine-events.ts";
import type { EngineLog, LogFields } from "./logger.ts";

/**
 * Turns the engine's events into the lines an operator must see, one line per occurrence:
 *
 * - error: a run failed (its error code and fix line), a replay drifted, a compensation failed
 *   for good, the journal became unreachable (once per outage), a step or listener error;
 * - warn: an activity failed for good (out of retries or non-retryable), a lease was lost, a run
 *   is stuck on an unknown version, no engine registers a workflow whose runs wait;
 * - info: workflow `log()` lines at their own level, the journal reconnected, engine start and stop;
 * - debug: runs started/completed, activity retries.
 *
 * Returns a function that detaches every listener.
 */
export function attachOperatorLog(events: EngineEventEmitter, log: EngineLog): () => void {
  const detach: (() => void)[] = [];
  const on = <K extends keyof EngineEvents>(name: K, listener: (...args: EngineEvents[K]) => void): void => {
    const fn = listener as (...args: unknown[]) => void;
    (events.on as (event: K, fn: (...args: unknown[]) => void) => unknown)(name, fn);
    detach.push(() => (events.off as (event: K, fn: (...args: unknown[]) => void) => unknown)(name, fn));
  };

  on("run.failed", (e) =>
    log.log("error", `run failed: ${e.workflowName} ${e.runId}: ${describe(e.error)}`, {
      event: "run.failed",
      runId: e.runId,
      workflowName: e.workflowName,
      ...errorFields(e.error),
      ...(e.durationMs === undefined ? {} : { durationMs: Math.round(e.durationMs) }),
    }),
  );
  on("replay.drift", (e) =>
    log.log(
      "error",
      `replay drift: ${e.workflowName} ${e.runId} no longer matches its code, left untouched: ${describe(e.error)}`,
      { event: "replay.drift", runId: e.runId, workflowName: e.workflowName, ...errorFields(e.error) },
    ),
  );
  on("activity.failed", (e) =>
    log.log(
      "warn",
      `activity failed for good: ${e.activityName} (run ${e.runId}) after ${e.attempt} attempt(s): ${describe(e.error)}`,
      {
        event: "activity.failed",
        runId: e.runId,
        activityName: e.activityName,
        attempt: e.attempt,
        ...errorFields(e.error),
      },
    ),
  );
  on("compensation.failed", (e) =>
    log.log(
      "error",
      `compensation failed for good: ${e.activityName} (run ${e.runId}): ${describe(e.error)}`,
      {
        event: "compensation.failed",
        runId: e.runId,
        activityName: e.activityName,
        attempt: e.attempt,
        ...errorFields(e.error),
      },
    ),
  );
  on("lease.lost", (e) =>
    log.log("warn", `lease lost: run ${e.runId} is owned by another engine now (noticed on ${e.during})`, {
      event: "lease.lost",
      runId: e.runId,
      fencingToken: e.fencingToken,
      during: e.during,
    }),
  );
  on("run.stuck_unknown_version", (e) =>
    log.log(
      "warn",
      `run stuck on unknown version: ${e.workflowName} ${e.runId} started on version ${e.versionHash}, which no running engine registers; deploy an engine with that version (this one has ${e.knownHashes.join(", ") || "none"})`,
      {
        event: "run.stuck_unknown_version",
        runId: e.runId,
        workflowName: e.workflowName,
        versionHash: e.versionHash,
      },
    ),
  );
  on("workflow.unserved", (e) =>
    log.log(
      "warn",
      `no engine registers workflow ${e.workflowName}: ${e.runs} run(s) in namespace ${e.namespace} have waited over ${Math.round(e.waitingForMs / 1000)} s; start an engine with this workflow in its workflows list`,
      { event: "workflow.unserved", ...e },
    ),
  );
  on("partitions.dropped", (e) =>
    log.log(
      "info",
      `partitions: dropped ${e.partitions.join(", ")} (${e.bytes} bytes), which no run holds any more`,
      { event: "partitions.dropped", ...e },
    ),
  );
  on("retention.deleted", (e) =>
    log.log(
      "info",
      `retention: deleted ${e.runs} closed run(s) of ${e.workflowName} in namespace ${e.namespace} (closed before ${new Date(e.closedBefore).toISOString()})`,
      { event: "retention.deleted", ...e },
    ),
  );
  on("journal.unreachable", (e) =>
    log.log("error", `journal unreachable (${e.where}): ${errorText(e.error)}; retrying every poll`, {
      event: "journal.unreachable",
      where: e.where,
    }),
  );
  on("journal.reconnected", (e) =>
    log.log("info", `journal reconnected after ${Math.round(e.downMs)} ms`, {
      event: "journal.reconnected",
      downMs: Math.round(e.downMs),
    }),
  );
  on("engine.error", (e) => {
    // Loop failures are reported once per outage by journal.unreachable.
    if (e.where.endsWith("_loop") || e.where === "lease_keeper" || e.where.endsWith("_sweep")) return;
    log.log(
      "error",
      `engine error in ${e.where}${e.runId === undefined ? "" : ` (run ${e.runId})`}: ${errorText(e.error)}`,
      {
        event: "engine.error",
        where: e.where,
        ...(e.runId === undefined ? {} : { runId: e.runId }),
      },
    );
  });
  on("workflow.log", (e) =>
    log.log(e.level, e.message, {
      event: "workflow.log",
      runId: e.runId,
      ...(e.data === undefined ? {} : { data: e.data }),
    }),
  );
  on("engine.started", (e) =>
    log.log(
      "info",
      `engine ${e.owner} started: workflows [${e.workflows.join(", ")}], activities [${e.activities.join(", ")}]`,
      {
        event: "engine.started",
        owner: e.owner,
        namespace: e.namespace,
      },
    ),
  );
  on("drain.completed", (e) =>
    log.log("info", `engine ${e.owner} stopped after ${Math.round(e.durationMs)} ms`, {
      event: "drain.completed",
      owner: e.owner,
      abandonedActivities: e.abandonedActivities,
    }),
  );
  if (log.enabled("debug")) {
    on("run.started", (e) =>
      log.log("debug", `run started: ${e.workflowName} ${e.runId}`, { event: "run.started", ...e }),
    );
    on("run.completed", (e) =>
      log.log("debug", `run completed: ${e.workflowName} ${e.runId}`, { event: "run.completed", ...e }),
    );
    on("activity.retried", (e) =>
      log.log(
        "debug",
        `activity retry: ${e.activityName} (run ${e.runId}) attempt ${e.attempt} failed, next in ${e.delayMs} ms: ${describe(e.error)}`,
        {
          event: "activity.retried",
          runId: e.runId,
          activityName: e.activityName,
          attempt: e.attempt,
          delayMs: e.delayMs,
          ...errorFields(e.error),
        },
      ),
    );
  }
  return () => {
    for (const off of detach.splice(0)) off();
  };
}

/** `CODE message` for a serialized error (its fix line is a field, and follows in pretty lines). */
function describe(error: SerializedError): string {
  const { message, fix } = splitFix(error.message);
  return `${error.code ?? error.name}: ${message}${fix === undefined ? "" : ` (fix: ${fix})`}`;
}

function errorFields(error: SerializedError): LogFields {
  const { message, fix } = splitFix(error.message);
  return {
    errorName: error.name,
    ...(error.code === undefined ? {} : { code: error.code }),
    error: message,
    ...(fix === undefined ? {} : { fix }),
  };
}

/** Continuum errors end their message with `\n  fix: <one line>`. */
function splitFix(message: string): { message: string; fix?: string } {
  const at = message.lastIndexOf("\n  fix: ");
  if (at < 0) return { message };
  return { message: message.slice(0, at), fix: message.slice(at + "\n  fix: ".length) };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === "string" ? `${code} ` : ""}${error.message}`;
  }
  return String(error);
}
