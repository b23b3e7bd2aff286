import { AsyncLocalStorage } from "node:async_hooks";
import type { EffectIdentity, TraceContext } from "../model/index.ts";
import { ContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";

/**
 * What a running activity can see of its own execution: which attempt this is, a way to report
 * progress (heartbeat), and a signal that aborts when the attempt is abandoned (timeout) or the
 * engine shuts down.
 */
export interface ActivityContext {
  readonly runId: string;
  readonly taskId: string;
  /** Effect identity of the `activity(...)` call in the workflow. */
  readonly identity: EffectIdentity;
  readonly activityName: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /**
   * Aborted on timeout, on a stale attempt (heartbeat refused), on engine shutdown, and when the
   * run no longer waits for this call (a cancellation withdrew it; the reason is then a
   * `CancelledError`, and an attempt that throws after it is not retried).
   */
  readonly signal: AbortSignal;
  /**
   * Reports liveness, with optional progress details (codec-serializable; unserializable ones
   * throw here). Resets the heartbeat timeout (`heartbeatTimeoutMs`). Heartbeats are batched:
   * the engine sends the latest one of each running attempt in one journal write per flush
   * (flushes at least a second apart, or a third of the shortest heartbeat timeout waiting), so
   * calling it in a tight loop is fine. Resolves at once; a heartbeat the journal refuses (the
   * attempt timed out or was given to another engine) aborts `signal` with a
   * `StaleAttemptError` as its reason instead of throwing: stop the work when it aborts.
   */
  heartbeat(details?: unknown): Promise<void>;
  /**
   * The details of the task's last heartbeat that carried details, from an earlier attempt of
   * this task (`undefined` on a first attempt or when none was sent): where a retry resumes.
   * Decoded by the codec, so it has the type the earlier attempt passed; narrow it before use.
   */
  readonly lastHeartbeatDetails: unknown;
  /**
   * The W3C trace context the run was started with (see `Instrumentation`), to parent the
   * activity's own outgoing calls under. Known when the engine has instrumentation with an
   * `activity` hook installed (e.g. `@continuum/otel`, which also makes it the active context);
   * otherwise undefined.
   */
  readonly traceContext?: TraceContext;
}

const storage = new AsyncLocalStorage<ActivityContext>();

/**
 * The context of the activity attempt that is running now. Call it from inside an activity's
 * function (at any depth of async calls); throws outside one.
 *
 * @example
 * ```ts
 * export const importRows = defineActivity("import.rows", async (file: string) => {
 *   const { heartbeat, signal } = activityContext();
 *   for await (const chunk of readChunks(file, { signal })) { await store(chunk); await heartbeat(chunk.offset); }
 * });
 * ```
 */
export function activityContext(): ActivityContext {
  const context = storage.getStore();
  if (context === undefined) {
    throw new ContinuumError(
      ErrorCode.EffectOutsideWorkflow,
      "activityContext() was called outside an activity",
      {
        data: {},
        hint: "call activityContext() only from code that runs inside an activity function executed by an engine or the test kit",
      },
    );
  }
  return context;
}

/** Runs `fn` with `context` as the current activity context (used by the activity pool). */
export function runWithActivityContext<T>(context: ActivityContext, fn: () => T): T {
  return storage.run(context, fn);
}
