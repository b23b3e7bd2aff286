import type { Journal, TaskAttemptRef, TaskHeartbeat } from "../journal/journal.ts";
import { StaleAttemptError } from "../errors/journal-errors.ts";
import type { Encoded } from "../model/index.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import type { EngineTimers } from "./engine-timers.ts";

/** Longest gap between two heartbeat flushes of an engine that has heartbeats to send (1 s). */
export const defaultHeartbeatFlushMs = 1_000;

/**
 * The heartbeat flush interval for an attempt: a third of its heartbeat timeout, at most
 * {@link defaultHeartbeatFlushMs}. A third leaves two more flushes before the journal's
 * deadline passes, so one slow or failed flush does not cost the attempt.
 */
export function heartbeatFlushMs(heartbeatTimeoutMs: number | undefined): number {
  return heartbeatTimeoutMs === undefined
    ? defaultHeartbeatFlushMs
    : Math.min(defaultHeartbeatFlushMs, heartbeatTimeoutMs / 3);
}

/** One running attempt's side of a {@link HeartbeatBatcher}. */
export interface AttemptHeartbeats {
  /** Queues a heartbeat; the next flush carries it (only the latest per attempt, details kept). */
  beat(details: Encoded | undefined): void;
  /** The attempt settled: its queued heartbeat is dropped and no refusal is reported any more. */
  close(): void;
}

/** Settings of a {@link HeartbeatBatcher}. */
export interface HeartbeatBatcherOptions {
  readonly journal: Pick<Journal, "heartbeatTasks">;
  readonly timers: EngineTimers;
  readonly events: EngineEventEmitter;
}

/**
 * An engine's heartbeats, sent in batches: whatever its attempts report between two flushes
 * goes to the journal as one `heartbeatTasks` call (one statement on SQL), however many
 * attempts are running. Flushes are at least the smallest interval of the attempts waiting
 * apart ({@link heartbeatFlushMs}); one runs at a time; a heartbeat after a quiet period is
 * sent at once. An attempt the journal refuses is told through `onRefused`; a flush that fails
 * (journal unreachable) is reported as `engine.error` and its heartbeats wait for the next one.
 */
export interface HeartbeatBatcher {
  /** Starts tracking a running attempt. */
  track(
    claim: TaskAttemptRef,
    intervalMs: number,
    onRefused: (error: StaleAttemptError) => void,
  ): AttemptHeartbeats;
}

interface Tracked {
  readonly claim: TaskAttemptRef;
  readonly intervalMs: number;
  readonly onRefused: (error: StaleAttemptError) => void;
}

/** Creates a {@link HeartbeatBatcher}. */
export function createHeartbeatBatcher(options: HeartbeatBatcherOptions): HeartbeatBatcher {
  const { journal, timers, events } = options;
  const tracked = new Map<string, Tracked>();
  const pending = new Map<string, TaskHeartbeat>();
  let lastFlushAt: number | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: { at: number; cancel: () => void } | undefined;
  let soon = false;

  const schedule = (): void => {
    if (inFlight !== undefined || pending.size === 0) return;
    let interval = defaultHeartbeatFlushMs;
    for (const taskId of pending.keys())
      interval = Math.min(interval, tracked.get(taskId)?.intervalMs ?? interval);
    const now = timers.now();
    const at = lastFlushAt === undefined ? now : lastFlushAt + interval;
    if (at <= now) {
      timer?.cancel();
      timer = undefined;
      if (soon) return;
      // A microtask, not at once: the heartbeats other attempts send in the same turn join this flush.
      soon = true;
      queueMicrotask(() => {
        soon = false;
        void flush();
      });
      return;
    }
    if (timer !== undefined && timer.at <= at) return;
    timer?.cancel();
    timer = { at, cancel: timers.after(at - now, () => ((timer = undefined), void flush())) };
  };

  const send = async (batch: TaskHeartbeat[]): Promise<void> => {
    try {
      const { refused } = await journal.heartbeatTasks(batch);
      for (const claim of refused) {
        const taskId = claim.taskId;
        const attempt = tracked.get(taskId);
        // Settled meanwhile (its end was reported already), or a newer attempt of the task runs here now.
        if (attempt === undefined || !sameAttempt(attempt.claim, claim)) continue;
        tracked.delete(taskId);
        pending.delete(taskId);
        attempt.onRefused(new StaleAttemptError(taskId, attempt.claim.attempt));
      }
    } catch (error) {
      emitEvent(events, "engine.error", { where: "activity_loop", error });
      // Not lost: unless the attempt settled or beat again meanwhile, the next flush carries it.
      for (const beat of batch) {
        const taskId = beat.claim.taskId;
        if (!sameAttempt(tracked.get(taskId)?.claim, beat.claim)) continue;
        const newer = pending.get(taskId);
        if (newer === undefined) pending.set(taskId, beat);
        else if (newer.details === undefined && beat.details !== undefined)
          pending.set(taskId, { claim: newer.claim, details: beat.details });
      }
    }
  };

  const flush = async (): Promise<void> => {
    if (inFlight !== undefined) return inFlight;
    if (pending.size === 0) return;
    timer?.cancel();
    timer = undefined;
    const batch = [...pending.values()];
    pending.clear();
    lastFlushAt = timers.now();
    inFlight = send(batch).finally(() => {
      inFlight = undefined;
      schedule();
    });
    return inFlight;
  };

  return {
    track(claim, intervalMs, onRefused) {
      const entry: Tracked = { claim, intervalMs, onRefused };
      tracked.set(claim.taskId, entry);
      return {
        beat(details) {
          if (tracked.get(claim.taskId) !== entry) return;
          const earlier = pending.get(claim.taskId)?.details;
          const kept = details !== undefined ? details : earlier;
          pending.set(claim.taskId, kept === undefined ? { claim } : { claim, details: kept });
          schedule();
        },
        close() {
          if (tracked.get(claim.taskId) !== entry) return;
          tracked.delete(claim.taskId);
          pending.delete(claim.taskId);
        },
      };
    },
  };
}

function sameAttempt(a: TaskAttemptRef | undefined, b: TaskAttemptRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.attemptToken === b.attemptToken && a.attempt === b.attempt;
}
