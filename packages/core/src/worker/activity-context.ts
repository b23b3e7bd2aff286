import { AsyncLocalStorage } from "node:async_hooks";
import type { EffectIdentity } from "../model/index.ts";
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
   * Reports liveness (and optional progress details, which must be codec-serializable). Resets
   * the heartbeat timeout. Calls are throttled: the journal hears at most one per second (or
   * per third of the heartbeat timeout), so calling it in a tight loop is fine. Resolves once
   * the journal accepted it (or at once when throttled); a refused heartbeat (the attempt is
   * no longer current) aborts `signal` instead of throwing.
   */
  heartbeat(details?: unknown): Promise<void>;
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
