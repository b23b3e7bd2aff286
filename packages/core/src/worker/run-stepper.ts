import { randomUUID } from "node:crypto";
import type {
  FinishedTask,
  Journal,
  RunClaim,
  RunLeaseRef,
  TaskClaim,
  TaskOutcome,
} from "../journal/journal.ts";
import type { EffectIdentity, HistoryEventBody, ResolutionEvent } from "../model/index.ts";
import type { InboxHint } from "../journal/notifier.ts";
import type { Execution } from "../replay/execution-contract.ts";
import { serializeError } from "../codec/index.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { LeaseLostError, StaleAttemptError } from "../errors/journal-errors.ts";
import { WorkflowVersionNotRegisteredError } from "../errors/engine-errors.ts";
import { buildStepCommit, withVersion } from "./build-step-commit.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import { reportCommitted, reportComposition } from "./step-reports.ts";
import type { Registry } from "./registry.ts";
import type { StickyCache } from "./sticky-cache.ts";
import type { ActivityPool } from "./activity-pool.ts";
import { realTimers, type EngineTimers } from "./engine-timers.ts";
import { createJournalClock, createStickyActivities } from "./sticky-activities.ts";

/** What the stepper tells its caller about one claim. */
export type StepOutcome = "stepped" | "skipped" | "drifted" | "lease_lost" | "error";

/** A committed step, as the test kit's paranoid mode sees it. */
export interface CommittedStep {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowName: string;
  /** The version hash the run started with (the code that stepped it). */
  readonly versionHash: string;
  /** The run's lastSeq before the step. */
  readonly fromSeq: number;
  readonly now: number;
  readonly deliveries: readonly ResolutionEvent[];
  readonly events: readonly HistoryEventBody[];
}

/** Settings of a {@link RunStepper}. */
export interface RunStepperOptions {
  readonly journal: Journal;
  readonly registry: Registry;
  readonly cache: StickyCache;
  readonly events: EngineEventEmitter;
  readonly leaseMs: number;
  /** How long a drifted run is left alone before any engine tries it again (ms, journal clock). */
  readonly driftBackoffMs: number;
  /**
   * Backoff after a step that failed with an engine error (not a lease loss, not drift): the
   * run is deferred `initialMs`, doubling per consecutive failure up to `maxMs`. Default 1 s / 60 s.
   */
  readonly stepErrorBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Test-kit hook, awaited after each commit (paranoid replay). */
  readonly afterCommit?: (step: CommittedStep) => Promise<void>;
  /**
   * Sticky fast path: the pool that runs, at once and in this process, the tasks a step commit
   * created already claimed, and whose results come back here (see {@link RunStepper}). Absent:
   * every task goes through the journal's task queue.
   */
  readonly pool?: ActivityPool;
  /**
   * Called after a commit that withdrew activity calls (a cancellation reached them), so the
   * attempts of those calls running in this process see their `signal` abort.
   */
  readonly onWithdrawn?: (runId: string, identities: readonly EffectIdentity[]) => void;
  /** Local time, to tell the journal clock's "now" between two commits (default: real timers). */
  readonly timers?: EngineTimers;
  /** Called with every step started by a finished attempt (not by a claim), so the runtime can await it. */
  readonly track?: (step: Promise<unknown>) => void;
  /**
   * Called once a step is over (the run no longer busy) that left its run ready for another:
   * items arrived while it was computed, or the run was given back. The runtime polls for it,
   * since the run_ready hint may have been handled while the run was still busy.
   */
  readonly onReadyAgain?: () => void;
}

/**
 * Runs one step of a claimed run: finds its execution (the sticky one when its lastSeq matches
 * the journal's, otherwise rebuilt by replaying the history), delivers the inbox, and commits
 * the result under the claim's fencing token.
 *
 * On a cache hit the cost is the claim, one `step` over the new events and one commit: nothing
 * here reads the history, so a step costs the same at event 10 and at event 100 000.
 *
 * Sticky fast path (with a `pool`): a step that keeps its execution cached creates the tasks it
 * schedules already claimed by this engine, as many as the pool has code and free slots for,
 * and the pool starts them at once. When such an attempt completes or fails for good, its
 * result goes straight to the cached execution: the run's next step delivers it and commits it
 * with `finishTasks` (the task is closed in the step's transaction), so an activity step is one
 * transaction, with no task poll, no inbox item and no run claim. Results that arrive while a
 * step of the run is in progress wait and go into the next step together (one step at a time per
 * run; a claimed step takes them along with its inbox). Whenever that cannot be done (the run is
 * no longer cached, its lease is lost, an attempt turned stale, the step failed) the attempts
 * are reported with `finishTask` as usual: their results reach the run through its inbox.
 */
export interface RunStepper {
  step(claim: RunClaim): Promise<StepOutcome>;
  /** Runs with a step in progress (a claim for one of them is skipped; claims exclude them). */
  readonly busy: ReadonlySet<string>;
  /** The leases of the steps in progress: the lease keeper renews them with the cached ones. */
  inFlight(): RunLeaseRef[];
  /** Sticky fast path: see {@link FinishLocally} (the pool calls it when a claimed-at-commit attempt ends). */
  finishLocally(claim: TaskClaim, outcome: LocalOutcome, onCommitted: () => void): Promise<boolean>;
  /**
   * A signal for a run, announced by a `run_inbox` hint: when this engine has the run cached and
   * idle, it reads that one item (`readInboxItem`: the hint carries ids only) and steps the run
   * with it at once (no claim); the journal refuses the step if the inbox is not as the hint
   * says, and then the run is replayed from a claim. Returns whether it took the hint (false:
   * the run is for a claim to step).
   */
  deliverHint(hint: InboxHint): boolean;
}

type LocalOutcome = Extract<TaskOutcome, { kind: "completed" | "failed" }>;

/** A finished attempt waiting for its run's next step. */
interface LocalFinish {
  readonly finished: FinishedTask;
  readonly event: ResolutionEvent;
  readonly settle: (committed: boolean) => void;
  readonly onCommitted: () => void;
}

/** Creates a {@link RunStepper}. */
export function createRunStepper(options: RunStepperOptions): RunStepper {
  const { journal, registry, cache, events } = options;
  const busy = new Set<string>();
  /** runId -> lease of the step in progress (same keys as `busy`). */
  const inFlight = new Map<string, RunLeaseRef>();
  /** runId -> consecutive failed steps (reset by a committed step). */
  const failures = new Map<string, number>();
  const backoff = options.stepErrorBackoff ?? { initialMs: 1_000, maxMs: 60_000 };
  /** runId -> finished attempts waiting for the run's next step (sticky fast path). */
  const pending = new Map<string, LocalFinish[]>();
  const clock = createJournalClock(options.timers ?? realTimers);
  const sticky = createStickyActivities(options.pool);

  const takePending = (runId: string): LocalFinish[] => {
    const items = pending.get(runId) ?? [];
    pending.delete(runId);
    return items;
  };
  const settleAll = (items: readonly LocalFinish[], committed: boolean): void => {
    for (const item of items) {
      if (committed) item.onCommitted();
      item.settle(committed);
    }
  };

  const release = (claim: RunClaim | RunLeaseRef, notBeforeMs?: number): Promise<void> => {
    const lease = "lease" in claim ? claim.lease : claim;
    return journal
      .releaseRun(lease, notBeforeMs === undefined ? undefined : { notBeforeMs })
      .catch((error: unknown) =>
        emitEvent(events, "engine.error", { where: "release", error, runId: lease.runId }),
      );
  };

  const step = async (claim: RunClaim): Promise<StepOutcome> => {
    const { run } = claim;
    const runId = run.runId;
    // Claims exclude our in-flight steps; a claim read before one of them started may still come.
    if (busy.has(runId)) return "skipped";
    const stale = cache.peek(runId);
    if (stale !== undefined && stale.execution.lastSeq > run.lastSeq) {
      // The claim was read before our own step committed: the cached execution is ahead of it
      // (its inbox items are delivered already). Keep the cache; the lease is ours either way.
      return "skipped";
    }
    busy.add(runId);
    inFlight.set(runId, claim.lease);
    clock.saw(claim.now);
    let readyAgain = false;
    let execution: Execution | undefined;
    let locals: LocalFinish[] = [];
    let reserved = 0;
    try {
      // Content-addressed dispatch: only the code with the run's own version hash replays it.
      const definition = registry.workflowVersion(run.workflowName, run.versionHash);
      if (definition === undefined)
        throw new WorkflowVersionNotRegisteredError(run.workflowName, run.versionHash);
      const cached = cache.take(runId);
      const hit =
        cached !== undefined && cached.execution.lastSeq === run.lastSeq && !cached.execution.finished;
      if (cached === undefined || cached.lease.fencingToken !== claim.lease.fencingToken) {
        emitEvent(events, "lease.acquired", {
          runId,
          fencingToken: claim.lease.fencingToken,
          leaseExpiresAt: claim.leaseExpiresAt,
        });
      }
      if (hit) {
        execution = cached.execution;
      } else {
        cached?.execution.dispose();
        const history = claim.history ?? (await journal.readHistory(runId));
        emitEvent(events, "replay.started", {
          runId,
          workflowName: run.workflowName,
          historyLength: history.length,
          reason: cached === undefined ? "not_cached" : "stale_cache",
        });
        execution = await registry.createExecution(
          definition,
          { runId, workflowId: run.workflowId, history },
          { now: claim.now },
        );
      }
      if (run.lastSeq === 1)
        emitEvent(events, "run.started", {
          runId,
          workflowName: run.workflowName,
          workflowId: run.workflowId,
        });

      const startedAt = performance.now();
      // Results of our own attempts that were waiting for this run go into this same step.
      locals = takePending(runId);
      const deliveries = [...claim.inbox.map((item) => item.event), ...locals.map((item) => item.event)];
      const result = await execution.step({ now: claim.now, deliveries });
      const keep = !execution.finished && result.outcome === undefined && cache.capacity > 0;
      const built = buildStepCommit({
        lease: claim.lease,
        lastSeq: run.lastSeq,
        delivered: claim.inbox.map((item) => item.id),
        result,
        ...(keep ? { leaseMs: options.leaseMs } : {}),
        newRunId: randomUUID,
      });
      const versioned = withVersion(built, claim.runVersion, run.parentRunId !== undefined);
      const withClaims = sticky.claimFor(
        locals.length === 0 ? versioned : { ...versioned, finishTasks: locals.map((item) => item.finished) },
        keep,
      );
      const commit = withClaims.commit;
      reserved = withClaims.reserved;
      const committed = await journal.commitStep(commit);
      clock.saw(committed.now);
      readyAgain = committed.ready === true;
      settleAll(locals, true);
      locals = [];
      sticky.start(committed, reserved, finishLocally);
      reserved = 0;
      if (result.cancelTasks.length > 0) options.onWithdrawn?.(run.runId, result.cancelTasks);
      reportCommitted(
        events,
        run.runId,
        run.workflowName,
        claim.inbox.map((item) => item.event),
        result,
        committed.lastSeq,
        hit,
        performance.now() - startedAt,
      );
      reportComposition(events, run.runId, run.workflowName, commit);

      if (keep) {
        cache.put(runId, {
          execution,
          lease: claim.lease,
          workflowName: run.workflowName,
          ...(committed.runVersion === undefined ? {} : { runVersion: committed.runVersion }),
          ...(run.parentRunId === undefined ? {} : { hasParent: true }),
        });
      } else {
        execution.dispose();
        // A terminal commit released the lease already; a run we do not cache is given back.
        if (result.outcome === undefined) {
          await release(claim);
          readyAgain = true;
        }
      }
      execution = undefined;
      failures.delete(runId);
      if (options.afterCommit !== undefined) {
        await options.afterCommit({
          runId,
          workflowId: run.workflowId,
          workflowName: run.workflowName,
          versionHash: run.versionHash,
          fromSeq: run.lastSeq,
          now: claim.now,
          deliveries,
          events: result.events,
        });
      }
      return "stepped";
    } catch (error) {
      execution?.dispose();
      sticky.unreserve(reserved);
      // Our attempts' results did not commit with this step: they are reported with finishTask.
      settleAll(locals, false);
      if (error instanceof StaleAttemptError || isContinuumError(error, ErrorCode.StaleAttempt)) {
        // Only our own attempts were refused, not the step: give the run back for a fresh claim.
        failures.delete(runId);
        await release(claim);
        readyAgain = true;
        return "error";
      }
      if (error instanceof LeaseLostError || isContinuumError(error, ErrorCode.LeaseLost)) {
        failures.delete(runId);
        emitEvent(events, "lease.lost", { runId, fencingToken: claim.lease.fencingToken, during: "commit" });
        return "lease_lost";
      }
      if (isContinuumError(error, ErrorCode.ReplayDrift)) {
        // Nothing is written for a drifted run: it waits for code that matches it, deferred in
        // the journal so that no engine spins on it and it does not hold the head of the queue.
        emitEvent(events, "replay.drift", {
          runId,
          workflowName: run.workflowName,
          error: serializeError(error),
        });
        await release(claim, options.driftBackoffMs);
        return "drifted";
      }
      emitEvent(events, "engine.error", { where: "step", error, runId });
      const failed = (failures.get(runId) ?? 0) + 1;
      failures.set(runId, failed);
      await release(claim, Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failed - 1, 30)));
      return "error";
    } finally {
      busy.delete(runId);
      inFlight.delete(runId);
      if (pending.has(runId)) stepLocallySoon(runId);
      if (readyAgain) options.onReadyAgain?.();
    }
  };

  /** Sticky fast path: queues a finished attempt's result for its run's next step. */
  const finishLocally = (
    claim: TaskClaim,
    outcome: LocalOutcome,
    onCommitted: () => void,
  ): Promise<boolean> =>
    new Promise<boolean>((settle) => {
      const event: ResolutionEvent =
        outcome.kind === "completed"
          ? {
              kind: "activity_completed",
              identity: claim.identity,
              result: outcome.result,
              attempts: claim.attempt,
            }
          : {
              kind: "activity_failed",
              identity: claim.identity,
              error: outcome.error,
              attempts: claim.attempt,
            };
      const ref = { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken };
      const items = pending.get(claim.runId) ?? [];
      items.push({ finished: { claim: ref, outcome }, event, settle, onCommitted });
      pending.set(claim.runId, items);
      // Results that end together (a fan-out) go into one step: wait for this turn to finish.
      if (items.length === 1) queueMicrotask(() => stepLocallySoon(claim.runId));
    });

  const stepLocallySoon = (runId: string): void => {
    if (busy.has(runId) || !pending.has(runId)) return; // the step in progress takes them when it ends
    const running = stepLocally(runId);
    options.track?.(running);
  };

  /**
   * One step of a cached run, started by our own finished attempts, or by a signal that came in
   * a run_inbox hint (`hinted`), instead of a claim.
   */
  const stepLocally = async (runId: string, hinted?: InboxHint): Promise<void> => {
    const entry = cache.peek(runId);
    if (entry === undefined || entry.execution.finished) {
      settleAll(takePending(runId), false);
      return;
    }
    cache.take(runId);
    const locals = takePending(runId);
    const { execution, lease, workflowName } = entry;
    busy.add(runId);
    inFlight.set(runId, lease);
    let reserved = 0;
    let committedStep = false;
    let readyAgain = false;
    try {
      const startedAt = performance.now();
      // The hint names the item; its content is read with the journal's privileges (hints are
      // public to every role that can connect). Gone already: a claim delivered it, or the run
      // moved on; nothing to step here, and a claim round looks at the run.
      const item = hinted === undefined ? undefined : await journal.readInboxItem(runId, hinted.inboxId);
      if (hinted !== undefined && item === undefined) {
        cache.put(runId, entry);
        settleAll(locals, false); // none (deliverHint takes only runs without results waiting)
        readyAgain = true;
        return;
      }
      const fromSeq = execution.lastSeq;
      const now = clock.now();
      const inbox = item === undefined ? [] : [item.event];
      const deliveries = [...inbox, ...locals.map((item) => item.event)];
      const result = await execution.step({ now, deliveries });
      const keep = !execution.finished && result.outcome === undefined && cache.capacity > 0;
      const delivered = hinted === undefined ? [] : [hinted.inboxId];
      const built = buildStepCommit({
        lease,
        lastSeq: fromSeq,
        delivered,
        result,
        ...(keep ? { leaseMs: options.leaseMs } : {}),
        newRunId: randomUUID,
      });
      // The hint carries the row version its delivery wrote: newer than our last commit's.
      const versioned = withVersion(built, hinted?.runVersion ?? entry.runVersion, entry.hasParent === true);
      const withClaims = sticky.claimFor(
        { ...versioned, finishTasks: locals.map((item) => item.finished), requireEmptyInbox: true },
        keep,
      );
      reserved = withClaims.reserved;
      const committed = await journal.commitStep(withClaims.commit);
      committedStep = true;
      readyAgain = committed.ready === true;
      clock.saw(committed.now);
      settleAll(locals, true);
      sticky.start(committed, reserved, finishLocally);
      reserved = 0;
      if (result.cancelTasks.length > 0) options.onWithdrawn?.(runId, result.cancelTasks);
      reportCommitted(
        events,
        runId,
        workflowName,
        inbox,
        result,
        committed.lastSeq,
        true,
        performance.now() - startedAt,
      );
      reportComposition(events, runId, workflowName, withClaims.commit);
      if (keep) {
        const { runVersion: _previous, ...rest } = entry;
        cache.put(
          runId,
          committed.runVersion === undefined ? rest : { ...rest, runVersion: committed.runVersion },
        );
      } else {
        execution.dispose();
        if (result.outcome === undefined) {
          await release(lease);
          readyAgain = true;
        }
      }
      failures.delete(runId);
      if (options.afterCommit !== undefined) {
        const run = await journal.getRun(runId);
        if (run !== undefined) {
          await options.afterCommit({
            runId,
            workflowId: run.workflowId,
            workflowName,
            versionHash: run.versionHash,
            fromSeq,
            now,
            deliveries,
            events: result.events,
          });
        }
      }
    } catch (error) {
      if (committedStep) {
        emitEvent(events, "engine.error", { where: "step", error, runId });
        return;
      }
      // The execution moved past what the journal holds: it cannot be used again.
      execution.dispose();
      sticky.unreserve(reserved);
      settleAll(locals, false);
      if (error instanceof LeaseLostError || isContinuumError(error, ErrorCode.LeaseLost)) {
        emitEvent(events, "lease.lost", { runId, fencingToken: lease.fencingToken, during: "commit" });
        return;
      }
      const expected = [ErrorCode.StaleAttempt, ErrorCode.InboxNotEmpty].some((code) =>
        isContinuumError(error, code),
      );
      if (!expected) emitEvent(events, "engine.error", { where: "step", error, runId });
      // The results reach the run through its inbox (finishTask); whoever claims it replays it.
      await release(lease);
      readyAgain = true;
    } finally {
      busy.delete(runId);
      inFlight.delete(runId);
      if (pending.has(runId)) stepLocallySoon(runId);
      if (readyAgain) options.onReadyAgain?.();
    }
  };

  /** A run_inbox hint: a cached run we are not stepping right now takes its signal at once. */
  const deliverHint = (hint: InboxHint): boolean => {
    const entry = cache.peek(hint.runId);
    // Anything else (not ours, mid-step, results of our own waiting) goes the claim's way.
    if (entry === undefined || entry.execution.finished || busy.has(hint.runId) || pending.has(hint.runId))
      return false;
    const running = stepLocally(hint.runId, hint);
    options.track?.(running);
    return true;
  };

  return { step, busy, inFlight: () => [...inFlight.values()], finishLocally, deliverHint };
}
