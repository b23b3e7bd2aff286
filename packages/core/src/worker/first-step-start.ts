import { randomUUID } from "node:crypto";
import type { RunClaim, RunRecord, StartRunRequest, StartRunResult } from "../journal/journal.ts";
import type { FirstStepInsert } from "./claimed-step.ts";
import type { StepOutcome } from "./run-stepper.ts";

/** A fresh eager start, as the client hands it to the engine of its process. */
export type EagerStartRequest = StartRunRequest & {
  readonly lease: NonNullable<StartRunRequest["lease"]>;
};

/** What {@link startWithFirstStep} needs of the engine. */
export interface FirstStepStartDeps {
  /** The journal clock as the engine tells it between readings (-Infinity before the first). */
  journalNow(): number;
  /** Steps the synthetic claim, committing through `first` (the stepper's claimed path). */
  step(claim: RunClaim, first: FirstStepInsert): Promise<StepOutcome>;
  /** Counts a step against the engine's step slots until it settles. */
  track(step: Promise<unknown>): void;
  /** Steps a run started the ordinary eager way (its claim from startRun). */
  runEagerly(claim: RunClaim): void;
  /** Reports a failure of the step after its run was inserted (the step's own handling has run). */
  onError(error: unknown, runId: string): void;
  /** The journal's record of a run (to tell a lost acknowledgement from a failed insert). */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Gives a run back (its lease ends now), so that a claim steps it at once. */
  release(lease: RunClaim["lease"]): Promise<void>;
}

/**
 * An eager start whose run is inserted together with its first step: the engine computes the
 * step before the run exists, from the claim that the insert would have returned (fencing token
 * 1, history `run_started` alone, the journal clock as the engine tells it), and the step's
 * commit is the start itself (`startRun` with `firstStep`: one statement, one commit, one round
 * trip instead of two of each). Resolves with the start's result once the insert has committed;
 * the step goes on from there as any claimed step does (attempts started, execution cached).
 *
 * Nothing is written or announced before the insert, and no user side effect runs: a step that
 * calls `sideEffect` fails (the execution refuses it, see ExecutionOptions.sideEffects). When
 * the step cannot get that far (the engine has no journal time yet, computing the step failed,
 * it called a sideEffect) or the insert is refused, the
 * run is started the ordinary eager way (`startRun` with the lease, then a step from its claim),
 * so the start behaves as before and any error comes from where it always came: the start's
 * own, or the step's (reported and retried by the engine) once the run exists.
 *
 * A crash before the insert commits leaves nothing (the start was not acknowledged); after it,
 * the run is as after an eager start's first commit: leased to this engine, deferred until the
 * start's lease ends, then claimed by any engine and replayed from its journal.
 *
 * @example
 * // In the engine (create-engine.ts), for a client bound to it:
 * const { run } = await startWithFirstStep(deps, request, (r) => journal.startRun(r));
 */
export function startWithFirstStep(
  deps: FirstStepStartDeps,
  request: EagerStartRequest,
  startRun: (request: StartRunRequest) => Promise<StartRunResult>,
): Promise<StartRunResult> {
  const ordinary = async (runId?: string): Promise<StartRunResult> => {
    // The id the step was computed for, if any: a first-step insert that did commit although it
    // seemed to fail (its acknowledgement lost) then makes this start fail, not start twice.
    const started = await startRun(runId === undefined ? request : { ...request, runId });
    if (started.claim !== undefined) deps.runEagerly(started.claim);
    return { run: started.run, created: started.created };
  };
  const now = deps.journalNow();
  if (!Number.isFinite(now)) return ordinary();
  const claim = firstStepClaim(request, randomUUID(), now);
  const runId = claim.run.runId;
  /**
   * The start when the step did not get its run inserted. A journal that took the start but not
   * its step (one written before `firstStep`) returned an eager claim: stepped as before. Else
   * the run is started the ordinary way under the same id; if that id is taken by now, the
   * insert did commit and only its acknowledgement was lost: the run is ours, given back so
   * that a claim steps it at once (its attempts created claimed are retried after their deadline).
   */
  const fallBack = async (): Promise<StartRunResult> => {
    if (plain !== undefined) {
      if (plain.claim !== undefined) deps.runEagerly(plain.claim);
      return { run: plain.run, created: plain.created };
    }
    try {
      return await ordinary(runId);
    } catch (error) {
      // The id was drawn fresh for this start: a run under it is the one our insert made.
      const existing = await deps.getRun(runId).catch(() => undefined);
      if (existing === undefined) throw error;
      if (
        existing.status === "running" &&
        existing.leaseOwner === request.lease.owner &&
        existing.fencingToken === 1
      )
        await deps.release(claim.lease).catch(() => undefined);
      return { run: existing, created: true };
    }
  };
  let plain: StartRunResult | undefined;
  return new Promise<StartRunResult>((resolve, reject) => {
    let inserted = false;
    const first: FirstStepInsert = {
      async insert(commit) {
        const result = await startRun({ ...request, runId, firstStep: commit });
        if (result.firstStep === undefined) {
          plain = result;
          throw new Error("the journal started the run without its first step");
        }
        inserted = true;
        // The start is acknowledged at once; the step goes on (attempts, cache) on its own.
        resolve({ run: result.run, created: true });
        return { run: result.run, committed: result.firstStep };
      },
    };
    const stepping = deps.step(claim, first).then(
      () => {
        // The step returns after the insert; one that never inserted (it cannot) starts the plain way.
        if (!inserted) fallBack().then(resolve, reject);
      },
      (error: unknown) => {
        if (!inserted) fallBack().then(resolve, reject);
        else deps.onError(error, runId);
      },
    );
    deps.track(stepping);
  });
}

/** The claim an eager start of `request` as run `runId` would return, at journal time `now`. */
function firstStepClaim(request: EagerStartRequest, runId: string, now: number): RunClaim {
  const run: RunRecord = {
    runId,
    namespace: request.namespace,
    workflowId: runId,
    workflowName: request.workflowName,
    versionHash: request.versionHash,
    status: "running",
    input: request.input,
    attributes: request.attributes ?? {},
    ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId }),
    ...(request.traceContext === undefined ? {} : { traceContext: request.traceContext }),
    lastSeq: 1,
    fencingToken: 1,
    leaseOwner: request.lease.owner,
    leaseExpiresAt: now + request.lease.leaseMs,
    createdAt: now,
    updatedAt: now,
  };
  return {
    lease: { runId, owner: request.lease.owner, fencingToken: 1 },
    leaseExpiresAt: now + request.lease.leaseMs,
    run,
    inbox: [],
    now,
    history: [
      {
        kind: "run_started",
        workflowName: request.workflowName,
        versionHash: request.versionHash,
        input: request.input,
        seq: 1,
        at: now,
      },
    ],
  };
}
