import { randomUUID } from "node:crypto";
import type { RunClaim, RunRecord, StepCommit, StepCommitResult } from "../journal/journal.ts";
import type { Execution } from "../replay/execution-contract.ts";
import { serializeError } from "../codec/index.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { LeaseLostError, StaleAttemptError } from "../errors/journal-errors.ts";
import { WorkflowVersionNotRegisteredError } from "../errors/engine-errors.ts";
import { buildStepCommit, childTraceContexts, withVersion } from "./build-step-commit.ts";
import { emitEvent } from "./engine-events.ts";
import { noteOutcome } from "./local-outcomes.ts";
import { takeOverInProcess } from "./lost-attempts.ts";
import { reportCommitted, reportComposition } from "./step-reports.ts";
import type { LocalSteps } from "./local-steps.ts";
import type { StepOutcome } from "./run-stepper.ts";
import type { LocalFinish, StepperState } from "./stepper-state.ts";

/**
 * The first step of a run that is not in the journal yet (an eager start with its first step,
 * see first-step-start.ts): its commit inserts the run with the step (`Journal.startRun` with
 * `firstStep`) instead of committing to an existing row.
 */
export interface FirstStepInsert {
  insert(commit: StepCommit): Promise<{ readonly run: RunRecord; readonly committed: StepCommitResult }>;
}

/**
 * The claimed path of a {@link RunStepper}: steps a run claimed from the journal with its inbox,
 * on the sticky execution when its lastSeq matches the claim's, else on one rebuilt by replay.
 *
 * With `first` the claim is the synthetic one of a run about to be inserted with this step:
 * nothing is announced (no event) before the insert commits, and a failure before it rejects
 * with the error, having written nothing and released nothing (there is no run yet); the
 * caller then starts the run without its step.
 */
export function createClaimedStep(
  state: StepperState,
  local: LocalSteps,
): (claim: RunClaim, first?: FirstStepInsert) => Promise<StepOutcome> {
  const {
    options,
    busy,
    inFlight,
    failures,
    backoff,
    pending,
    clock,
    sticky,
    takePending,
    settleAll,
    release,
  } = state;
  const { journal, registry, cache, events } = options;
  const { finishLocally, stepLocallySoon } = local;

  return async (claim: RunClaim, first?: FirstStepInsert): Promise<StepOutcome> => {
    let { run } = claim;
    const runId = run.runId;
    const fromSeq = run.lastSeq;
    // Claims exclude our in-flight steps; a claim read before one of them started may still come.
    if (busy.has(runId)) return "skipped";
    const stale = cache.peek(runId);
    if (stale !== undefined && stale.execution.lastSeq > run.lastSeq) {
      // The claim was read before our own step committed: the cached execution is ahead of it
      // (its inbox items are delivered already). Keep the cache; the lease is ours either way.
      return "skipped";
    }
    busy.add(runId);
    // The lease keeper renews the leases in flight; the run of a first step has none yet.
    if (first === undefined) inFlight.set(runId, claim.lease);
    // A first step's run does not exist before its commit: what would announce it waits for that.
    let held: Array<() => void> | undefined = first === undefined ? undefined : [];
    const announce = (emit: () => void): void => {
      if (held === undefined) emit();
      else held.push(emit);
    };
    options.traceContexts?.note(runId, run.traceContext);
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
      // In-process attempts of a dead or ousted owner are re-issued before anything else.
      const reread = await takeOverInProcess(journal, claim, sticky);
      const cached = cache.take(runId);
      const hit =
        cached !== undefined && cached.execution.lastSeq === run.lastSeq && !cached.execution.finished;
      if (cached === undefined || cached.lease.fencingToken !== claim.lease.fencingToken) {
        announce(() =>
          emitEvent(events, "lease.acquired", {
            runId,
            fencingToken: claim.lease.fencingToken,
            leaseExpiresAt: claim.leaseExpiresAt,
          }),
        );
      }
      if (hit) {
        execution = cached.execution;
      } else {
        cached?.execution.dispose();
        const history = reread ?? claim.history ?? (await journal.readHistory(runId));
        const reason = cached === undefined ? "not_cached" : "stale_cache";
        announce(() =>
          emitEvent(events, "replay.started", {
            runId,
            workflowName: run.workflowName,
            historyLength: history.length,
            reason,
          }),
        );
        const replayStartedAt = performance.now();
        execution = await registry.createExecution(
          definition,
          { runId, workflowId: run.workflowId, history },
          // Before its run is stored, no user side effect may run: such a step fails, and the
          // start goes the ordinary way (first-step-start.ts).
          first === undefined ? { now: claim.now } : { now: claim.now, sideEffects: "refuse" },
        );
        const durationMs = performance.now() - replayStartedAt;
        announce(() =>
          emitEvent(events, "replay.completed", {
            runId,
            workflowName: run.workflowName,
            historyLength: history.length,
            durationMs,
          }),
        );
      }
      if (run.lastSeq === 1)
        announce(() =>
          emitEvent(events, "run.started", {
            runId,
            workflowName: run.workflowName,
            workflowId: run.workflowId,
          }),
        );

      const startedAt = performance.now();
      // Results of our own attempts that were waiting for this run go into this same step.
      locals = takePending(runId);
      const deliveries = [...claim.inbox.map((item) => item.event), ...locals.map((item) => item.event)];
      const result = await execution.step({ now: claim.now, deliveries });
      const keep = !execution.finished && result.outcome === undefined && cache.capacity > 0;
      const childTraceContext = childTraceContexts(run, options.instrumentation);
      const built = buildStepCommit({
        lease: claim.lease,
        lastSeq: run.lastSeq,
        delivered: claim.inbox.map((item) => item.id),
        result,
        ...(keep ? { leaseMs: options.leaseMs } : {}),
        newRunId: randomUUID,
        ...(childTraceContext === undefined ? {} : { childTraceContext }),
      });
      const snapshotEvery = definition.snapshots?.every;
      const versioned = withVersion(
        snapshotEvery === undefined ? built : { ...built, snapshotEvery },
        claim.runVersion,
        run.parentRunId !== undefined,
      );
      const withClaims = sticky.claimFor(
        locals.length === 0 ? versioned : { ...versioned, finishTasks: locals.map((item) => item.finished) },
        keep,
      );
      const commit = withClaims.commit;
      reserved = withClaims.reserved;
      let committed: StepCommitResult;
      if (first === undefined) committed = await journal.commitStep(commit);
      else {
        const inserted = await first.insert(commit);
        committed = inserted.committed;
        // The run as inserted (its creation time is the journal's, not the step's estimate).
        run = inserted.run;
        for (const emit of held ?? []) emit();
        held = undefined;
      }
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
        { createdAt: run.createdAt, now: committed.now },
        run.traceContext,
      );
      reportComposition(events, run.runId, run.workflowName, commit);
      noteOutcome(options.outcomes, run.runId, run.workflowName, commit.run);

      if (keep) {
        cache.put(runId, {
          execution,
          lease: claim.lease,
          workflowName: run.workflowName,
          createdAt: run.createdAt,
          ...(committed.runVersion === undefined ? {} : { runVersion: committed.runVersion }),
          ...(run.parentRunId === undefined ? {} : { hasParent: true }),
          ...(run.traceContext === undefined ? {} : { traceContext: run.traceContext }),
          ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
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
          fromSeq,
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
      // A first step whose run was not inserted: nothing exists to release or to report on.
      if (held !== undefined) throw error;
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
      // A first step's start resolved as its insert committed: its caller, who may ask for the
      // result at once, gets one turn of the event loop to find the outcome here first.
      if (first === undefined) options.outcomes?.forget(runId);
      else setImmediate(() => options.outcomes?.forget(runId));
      if (pending.has(runId)) stepLocallySoon(runId);
      if (readyAgain) options.onReadyAgain?.();
    }
  };
}
