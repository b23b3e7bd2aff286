import { randomUUID } from "node:crypto";
import type { TaskClaim } from "../journal/journal.ts";
import type { ResolutionEvent } from "../model/index.ts";
import type { InboxHint } from "../journal/notifier.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { LeaseLostError } from "../errors/journal-errors.ts";
import { buildStepCommit, childTraceContexts, withVersion } from "./build-step-commit.ts";
import { emitEvent } from "./engine-events.ts";
import { noteOutcome } from "./local-outcomes.ts";
import { reportCommitted, reportComposition } from "./step-reports.ts";
import { attemptRef } from "./attempt-row.ts";
import type { LocalOutcome } from "./run-stepper.ts";
import type { StepperState } from "./stepper-state.ts";

/**
 * The local path of a {@link RunStepper}: steps of a cached run started in this process, with
 * no claim, by its own finished attempts (sticky fast path) or by a signal in a run_inbox hint.
 */
export interface LocalSteps {
  /** Queues a finished attempt's result for its run's next step; see `RunStepper.finishLocally`. */
  readonly finishLocally: (
    claim: TaskClaim,
    outcome: LocalOutcome,
    onCommitted: () => void,
  ) => Promise<boolean>;
  /** See `RunStepper.finishClaimedLocally`. */
  readonly finishClaimedLocally: (
    claim: TaskClaim,
    outcome: LocalOutcome,
    onCommitted: () => void,
  ) => Promise<boolean>;
  /** Steps the run with its waiting results, unless a step of it is in progress (that one takes them). */
  readonly stepLocallySoon: (runId: string) => void;
  /** See `RunStepper.deliverHint`. */
  readonly deliverHint: (hint: InboxHint) => boolean;
}

/** Creates the {@link LocalSteps} of a stepper. */
export function createLocalSteps(state: StepperState): LocalSteps {
  const { options, busy, inFlight, failures, pending, clock, sticky, takePending, settleAll, release } =
    state;
  const { journal, cache, events } = options;

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
      const ref = attemptRef(claim);
      const items = pending.get(claim.runId) ?? [];
      items.push({ finished: { claim: ref, outcome }, event, settle, onCommitted });
      pending.set(claim.runId, items);
      // Results that end together (a fan-out) go into one step: wait for this turn to finish.
      if (items.length === 1) queueMicrotask(() => stepLocallySoon(claim.runId));
    });

  /**
   * Runs whose local step was refused because their inbox was not empty: results delivered
   * there by `finishTask`, typically other engines' attempts of the same fan-out. Every such
   * refusal costs the cached execution (it already took the results) and a replay, so attempts
   * this engine claimed from the journal for these runs report with `finishTask` too. Bounded:
   * the oldest mark goes first.
   */
  const contended = new Set<string>();
  const maxContended = 1_000;
  const noteContended = (runId: string): void => {
    contended.delete(runId);
    contended.add(runId);
    if (contended.size > maxContended) contended.delete(contended.values().next().value as string);
  };

  const finishClaimedLocally = (
    claim: TaskClaim,
    outcome: LocalOutcome,
    onCommitted: () => void,
  ): Promise<boolean> =>
    // An attempt with a heartbeat timeout reports at once: waiting for a busy run's step could
    // outlast its heartbeat deadline and throw the result away.
    claim.options.heartbeatTimeoutMs !== undefined ||
    contended.has(claim.runId) ||
    (cache.peek(claim.runId) === undefined && !busy.has(claim.runId))
      ? Promise.resolve(false)
      : finishLocally(claim, outcome, onCommitted);

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
      const childTraceContext = childTraceContexts(
        {
          runId,
          workflowName: entry.workflowName,
          ...(entry.traceContext === undefined ? {} : { traceContext: entry.traceContext }),
        },
        options.instrumentation,
      );
      const built = buildStepCommit({
        lease,
        lastSeq: fromSeq,
        delivered,
        result,
        ...(keep ? { leaseMs: options.leaseMs } : {}),
        newRunId: randomUUID,
        ...(childTraceContext === undefined ? {} : { childTraceContext }),
      });
      // The hint carries the row version its delivery wrote: newer than our last commit's.
      const versioned = withVersion(
        entry.snapshotEvery === undefined ? built : { ...built, snapshotEvery: entry.snapshotEvery },
        hinted?.runVersion ?? entry.runVersion,
        entry.hasParent === true,
      );
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
        entry.createdAt === undefined ? undefined : { createdAt: entry.createdAt, now: committed.now },
        entry.traceContext,
      );
      reportComposition(events, runId, workflowName, withClaims.commit);
      noteOutcome(options.outcomes, runId, workflowName, withClaims.commit.run);
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
      if (isContinuumError(error, ErrorCode.InboxNotEmpty)) noteContended(runId);
      // The results reach the run through its inbox (finishTask); whoever claims it replays it.
      await release(lease);
      readyAgain = true;
    } finally {
      busy.delete(runId);
      inFlight.delete(runId);
      options.outcomes?.forget(runId);
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

  return { finishLocally, finishClaimedLocally, stepLocallySoon, deliverHint };
}
