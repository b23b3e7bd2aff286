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
  /**
   * The activity function settled and its outcome is being written: the queued heartbeat is
   * dropped and nothing is reported any more, but the attempt's engine lease is still renewed
   * (its outcome must land before the lease ends) until {@link close}.
   */
  finishing(): void;
  /** The attempt settled: its queued heartbeat is dropped and no refusal is reported any more. */
  close(): void;
}

/** What the journal said about an attempt besides accepting its heartbeat. */
export interface AttemptNotices {
  /** The journal refused the attempt (not current any more): abandon it. */
  readonly onRefused: (error: StaleAttemptError) => void;
  /** The attempt's call was withdrawn (its run no longer wants it): abort its signal. Told once. */
  readonly onWithdrawn?: () => void;
}

/** Settings of a {@link HeartbeatBatcher}. */
export interface HeartbeatBatcherOptions {
  readonly journal: Pick<Journal, "heartbeatTasks">;
  readonly timers: EngineTimers;
  readonly events: EngineEventEmitter;
  /**
   * The engine's attempt lease (ms): every flush also renews the lease of every attempt
   * tracked, heartbeating or not, and a flush runs at least every third of it while attempts
   * run, so the attempts of an engine that dies are retried once this lease ends. Absent: no
   * renewals (attempts bounded by their own timeouts).
   */
  readonly attemptLeaseMs?: number;
}

/**
 * An engine's heartbeats, sent in batches: whatever its attempts report between two flushes
 * goes to the journal as one `heartbeatTasks` call (one statement on SQL), however many
 * attempts are running. Flushes are at least the smallest interval of the attempts waiting
 * apart ({@link heartbeatFlushMs}); one runs at a time; a heartbeat after a quiet period is
 * sent at once. An attempt the journal refuses is told through `onRefused`, one whose call was
 * withdrawn through `onWithdrawn`; a flush that fails (journal unreachable) is reported as
 * `engine.error` and its heartbeats wait for the next one. With `attemptLeaseMs`, the same
 * flushes renew every running attempt's lease (one statement for all of them).
 */
export interface HeartbeatBatcher {
  /** Starts tracking a running attempt (`onRefused` alone, or the full {@link AttemptNotices}). */
  track(
    claim: TaskAttemptRef,
    intervalMs: number,
    notices: AttemptNotices | ((error: StaleAttemptError) => void),
  ): AttemptHeartbeats;
}

interface Tracked {
  readonly claim: TaskAttemptRef;
  readonly intervalMs: number;
  readonly notices: AttemptNotices;
  /** Its outcome is being written: renewed, never reported on. */
  quiet: boolean;
  withdrawnTold: boolean;
}

/** Creates a {@link HeartbeatBatcher}. */
export function createHeartbeatBatcher(options: HeartbeatBatcherOptions): HeartbeatBatcher {
  const { journal, timers, events, attemptLeaseMs } = options;
  const renewEveryMs = attemptLeaseMs === undefined ? undefined : attemptLeaseMs / 3;
  const tracked = new Map<string, Tracked>();
  /** When the attempts' leases were last renewed (or, before that, when tracking began). */
  let renewedAt: number | undefined;
  const pending = new Map<string, TaskHeartbeat>();
  let lastFlushAt: number | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: { at: number; cancel: () => void } | undefined;
  let soon = false;

  const schedule = (): void => {
    if (inFlight !== undefined) return;
    const now = timers.now();
    let at: number | undefined;
    if (pending.size > 0) {
      let interval = defaultHeartbeatFlushMs;
      for (const taskId of pending.keys())
        interval = Math.min(interval, tracked.get(taskId)?.intervalMs ?? interval);
      at = lastFlushAt === undefined ? now : lastFlushAt + interval;
    }
    if (renewEveryMs !== undefined && tracked.size > 0) {
      const renewAt = (renewedAt ?? now) + renewEveryMs;
      at = at === undefined ? renewAt : Math.min(at, renewAt);
    }
    if (at === undefined) {
      timer?.cancel();
      timer = undefined;
      return;
    }
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
      const { refused, withdrawn = [] } = await journal.heartbeatTasks(
        batch,
        attemptLeaseMs === undefined ? undefined : { attemptLeaseMs },
      );
      for (const claim of refused) {
        const taskId = claim.taskId;
        const attempt = tracked.get(taskId);
        // Settled meanwhile (its end was reported already), or a newer attempt of the task runs here now.
        if (attempt === undefined || !sameAttempt(attempt.claim, claim)) continue;
        tracked.delete(taskId);
        pending.delete(taskId);
        if (!attempt.quiet) attempt.notices.onRefused(new StaleAttemptError(taskId, attempt.claim.attempt));
      }
      for (const claim of withdrawn) {
        const attempt = tracked.get(claim.taskId);
        if (attempt === undefined || !sameAttempt(attempt.claim, claim) || attempt.quiet) continue;
        if (attempt.withdrawnTold) continue;
        attempt.withdrawnTold = true;
        attempt.notices.onWithdrawn?.();
      }
    } catch (error) {
      emitEvent(events, "engine.error", { where: "activity_loop", error });
      // Not lost: unless the attempt settled or beat again meanwhile, the next flush carries it.
      for (const beat of batch) {
        const taskId = beat.claim.taskId;
        if (beat.renew === true || !sameAttempt(tracked.get(taskId)?.claim, beat.claim)) continue;
        const newer = pending.get(taskId);
        if (newer === undefined) pending.set(taskId, beat);
        else if (newer.details === undefined && beat.details !== undefined)
          pending.set(taskId, { claim: newer.claim, details: beat.details });
      }
    }
  };

  const flush = async (): Promise<void> => {
    if (inFlight !== undefined) return inFlight;
    const batch = [...pending.values()];
    // Every other running attempt rides along as a renewal of its lease.
    if (renewEveryMs !== undefined)
      for (const [taskId, attempt] of tracked)
        if (!pending.has(taskId)) batch.push({ claim: attempt.claim, renew: true });
    if (batch.length === 0) return;
    timer?.cancel();
    timer = undefined;
    pending.clear();
    lastFlushAt = timers.now();
    if (renewEveryMs !== undefined) renewedAt = lastFlushAt;
    inFlight = send(batch).finally(() => {
      inFlight = undefined;
      schedule();
    });
    return inFlight;
  };

  return {
    track(claim, intervalMs, notices) {
      if (tracked.size === 0) renewedAt = timers.now();
      const entry: Tracked = {
        claim,
        intervalMs,
        notices: typeof notices === "function" ? { onRefused: notices } : notices,
        quiet: false,
        withdrawnTold: false,
      };
      tracked.set(claim.taskId, entry);
      schedule();
      return {
        beat(details) {
          if (tracked.get(claim.taskId) !== entry || entry.quiet) return;
          const earlier = pending.get(claim.taskId)?.details;
          const kept = details !== undefined ? details : earlier;
          pending.set(claim.taskId, kept === undefined ? { claim } : { claim, details: kept });
          schedule();
        },
        finishing() {
          if (tracked.get(claim.taskId) !== entry) return;
          entry.quiet = true;
          pending.delete(claim.taskId);
        },
        close() {
          if (tracked.get(claim.taskId) !== entry) return;
          tracked.delete(claim.taskId);
          pending.delete(claim.taskId);
          if (tracked.size === 0 && pending.size === 0) schedule();
        },
      };
    },
  };
}

function sameAttempt(a: TaskAttemptRef | undefined, b: TaskAttemptRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.attemptToken === b.attemptToken && a.attempt === b.attempt;
}
