import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

const transformerSetup =
  'set the @continuum/transformer up: with ts-patch, the tsconfig "plugins" entries "@continuum/transformer/tspc-check" ' +
  '(transformProgram) and "@continuum/transformer/tspc-rewrite"; under vite/vitest, the plugin from "@continuum/transformer/vite"; ' +
  "under plain node, `node --import @continuum/transformer/register`";

/**
 * A workflow definition carries no stamp: its file was not compiled by the Continuum
 * transformer, so its effects have no identities and replay could not be trusted.
 */
export class WorkflowNotTransformedError extends ContinuumError<{ workflowName: string }> {
  constructor(workflowName: string) {
    super(
      ErrorCode.WorkflowNotTransformed,
      `workflow ${JSON.stringify(workflowName)} was not compiled by the Continuum transformer`,
      {
        data: { workflowName },
        hint: transformerSetup,
      },
    );
  }
}

/** `workflow(name, options, fn)` was given something it cannot accept. */
export class InvalidWorkflowDefinitionError extends ContinuumError<{
  workflowName: string;
  field: string;
  reason: string;
}> {
  constructor(workflowName: string, field: string, reason: string, hint: string) {
    super(
      ErrorCode.InvalidWorkflowDefinition,
      `invalid workflow definition ${JSON.stringify(workflowName)}: ${field} ${reason}`,
      {
        data: { workflowName, field, reason },
        hint,
      },
    );
  }
}

/** `defineActivity(name, fn, options)` was given something it cannot accept. */
export class InvalidActivityDefinitionError extends ContinuumError<{
  activityName: string;
  field: string;
  reason: string;
}> {
  constructor(activityName: string, field: string, reason: string, hint: string) {
    super(
      ErrorCode.InvalidActivityDefinition,
      `invalid activity definition ${JSON.stringify(activityName)}: ${field} ${reason}`,
      {
        data: { activityName, field, reason },
        hint,
      },
    );
  }
}

/**
 * A workflow effect (activity, sleep, signal, now, ...) was called where no run can journal it:
 * outside any running workflow; or (`situation`, known when the engine tracks async context) by
 * a run's code resumed outside its own turn, or inside a sideEffect function.
 */
export class EffectOutsideWorkflowError extends ContinuumError<{
  effect: string;
  situation?: EffectOutsideSituation;
  workflowName?: string;
}> {
  constructor(effect: string, situation?: EffectOutsideSituation, workflowName?: string) {
    const [message, hint] = outsideWorkflowText(effect, situation, workflowName);
    super(ErrorCode.EffectOutsideWorkflow, message, {
      data: {
        effect,
        ...(situation === undefined ? {} : { situation }),
        ...(workflowName === undefined ? {} : { workflowName }),
      },
      hint,
    });
  }
}

/** Why an effect call inside workflow code reached no run (see {@link EffectOutsideWorkflowError}). */
export type EffectOutsideSituation = "outside-turn" | "side-effect";

function outsideWorkflowText(
  effect: string,
  situation: EffectOutsideSituation | undefined,
  workflowName: string | undefined,
): [string, string] {
  const run = workflowName === undefined ? "a workflow" : `workflow ${JSON.stringify(workflowName)}`;
  switch (situation) {
    case undefined:
      return [
        `${effect}() can only be called inside a workflow function while Continuum runs it`,
        "call it from the body of a workflow(...) function (in tests, run the workflow through the test kit); in ordinary code call the activity function directly",
      ];
    case "outside-turn":
      return [
        `${effect}() was called by ${run}'s code after it resumed from something that is not a Continuum effect (I/O, a timer, an outside promise), so it belongs to no step of its run`,
        "in workflow code await only Continuum effects; do I/O in an activity (or a short sideEffect whose function calls no effects)",
      ];
    case "side-effect":
      return [
        `${effect}() was called inside a sideEffect function of ${run}: replay returns the recorded value without running the function, so its effects would vanish`,
        "call effects in the workflow body, not inside sideEffect(); put I/O that needs them in an activity",
      ];
  }
}

/**
 * An effect was called without the identity the transformer injects while a workflow was
 * running: from a file the transformer did not rewrite, or from code that is not workflow code
 * (an activity or app code calling the workflow API).
 */
export class EffectNotStampedError extends ContinuumError<{ effect: string; workflowName: string }> {
  constructor(effect: string, workflowName: string) {
    super(
      ErrorCode.EffectNotStamped,
      `${effect}() was called without an effect identity while workflow ${JSON.stringify(workflowName)} was running`,
      {
        data: { effect, workflowName },
        hint: `call effects only from workflow code, in files the transformer rewrites (${transformerSetup}); activities and app code must not call workflow effects; in hand-written tests call ${effect}.at("<cursor>")(...)`,
      },
    );
  }
}

/**
 * `cancellable()` or `nonCancellable()` was called in an execution created without async-context
 * storage: the code inside the scope could not be told apart from the code outside it after its
 * first `await`, so the scope is refused rather than silently ignored.
 */
export class ScopeNeedsAsyncContextError extends ContinuumError<{ scope: string; workflowName: string }> {
  constructor(scope: string, workflowName: string) {
    super(
      ErrorCode.ScopeNeedsAsyncContext,
      `${scope}() needs async-context tracking, and workflow ${JSON.stringify(workflowName)} runs in an execution without it`,
      {
        data: { scope, workflowName },
        hint: "run workflows with the engine or the test environment (they pass an AsyncLocalStorage); a hand-made execution needs createExecution(def, run, { effectScopes: new AsyncLocalStorage() })",
      },
    );
  }
}

/** An effect was called with an argument it cannot accept (a negative delay, a bad option). */
export class InvalidEffectArgumentError extends ContinuumError<{
  effect: string;
  argument: string;
  reason: string;
}> {
  constructor(effect: string, argument: string, reason: string, hint: string) {
    super(ErrorCode.InvalidArgument, `${effect}(): ${argument} ${reason}`, {
      data: { effect, argument, reason },
      hint,
    });
  }
}

/**
 * Thrown inside the workflow when an activity failed for good (retries exhausted or a
 * non-retryable error). Catch it to compensate; `cause` is the activity's last error, rebuilt.
 *
 * @example
 * ```ts
 * try { await activity(payments.charge, orderId, total); }
 * catch (e) { if (e instanceof ActivityFailure) return { declined: e.cause }; throw e; }
 * ```
 */
export class ActivityFailure extends ContinuumError<{
  activityName: string;
  identity: string;
  attempts: number;
}> {
  readonly activityName: string;
  readonly attempts: number;

  constructor(activityName: string, identity: string, attempts: number, cause: Error) {
    super(
      ErrorCode.ActivityFailure,
      `activity ${activityName} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${cause.message}`,
      {
        data: { activityName, identity, attempts },
        hint: "catch ActivityFailure in the workflow to compensate, or raise retry.maxAttempts / list retryable errors in the activity's options",
        cause,
      },
    );
    this.activityName = activityName;
    this.attempts = attempts;
  }
}

/**
 * Thrown by `compensateAll({ onFailure: "continue" })` when one or more compensations failed
 * after every one was tried: `failures` lists each failure (an `ActivityFailure` as a rule),
 * most recent call first; `cause` is the first of them.
 *
 * @example
 * ```ts
 * try { await compensateAll({ onFailure: "continue" }); }
 * catch (e) { if (e instanceof CompensationFailure) await activity(ops.page, e.failures.length); throw e; }
 * ```
 */
export class CompensationFailure extends ContinuumError<{ failed: number }> {
  readonly failures: readonly Error[];

  constructor(failures: readonly Error[]) {
    super(
      ErrorCode.CompensationFailure,
      `${failures.length} compensation${failures.length === 1 ? "" : "s"} failed: ${failures.map((f) => f.message.split("\n")[0]).join("; ")}`,
      {
        data: { failed: failures.length },
        hint: "make the compensating activities succeed (retry policy, idempotency), or handle CompensationFailure in the workflow (e.g. alert an operator)",
        cause: failures[0],
      },
    );
    this.failures = failures;
  }
}

/**
 * Thrown inside the workflow at its pending effects (or its next effect) once the run was
 * asked to cancel. Rethrow it (or let it escape) to end the run as cancelled; catch it and
 * return to complete the run anyway (after cleaning up).
 */
export class CancelledError extends ContinuumError<{ reason?: string }> {
  readonly reason: string | undefined;

  constructor(reason?: string) {
    super(ErrorCode.Cancelled, `the run was cancelled${reason === undefined ? "" : `: ${reason}`}`, {
      data: reason === undefined ? {} : { reason },
      hint: "let CancelledError propagate to end the run as cancelled; to clean up, catch it and run the cleanup inside nonCancellable(() => ...) (other effects started after a cancellation are rejected too)",
    });
    this.reason = reason;
  }
}

/**
 * Thrown inside the parent workflow when a child workflow failed, was cancelled, or could not
 * be started (its workflow id was taken). `cause` is the child's error, rebuilt (a cancelled
 * child's cause has code CTM_CANCELLED).
 *
 * @example
 * ```ts
 * try { await child(shipment, { orderId }); }
 * catch (e) { if (e instanceof ChildWorkflowFailure) return { shipmentFailed: e.cause }; throw e; }
 * ```
 */
export class ChildWorkflowFailure extends ContinuumError<{
  workflowName: string;
  workflowId: string;
  identity: string;
}> {
  readonly workflowName: string;
  readonly workflowId: string;

  constructor(workflowName: string, workflowId: string, identity: string, cause: Error) {
    super(
      ErrorCode.ChildWorkflowFailure,
      `child workflow ${workflowName} (${workflowId}) failed: ${cause.message}`,
      {
        data: { workflowName, workflowId, identity },
        hint: "catch ChildWorkflowFailure in the parent to handle it (its cause is the child's error), or fix the child workflow",
        cause,
      },
    );
    this.workflowName = workflowName;
    this.workflowId = workflowId;
  }
}

/**
 * Thrown when a run outlives its workflow-level timeout (`workflow(name, { version, timeoutMs })`).
 * Decided by a journal timer, so replay decides it the same way. Raised at the code's pending
 * effects (like a cancellation): let it escape to fail the run, or catch it to compensate first.
 *
 * @example
 * ```ts
 * try { await bookEverything(); }
 * catch (e) { if (e instanceof WorkflowTimeoutError) await compensateAll(); throw e; }
 * ```
 */
export class WorkflowTimeoutError extends ContinuumError<{ workflowName: string; timeoutMs: number }> {
  readonly timeoutMs: number;

  constructor(workflowName: string, timeoutMs: number) {
    super(
      ErrorCode.WorkflowTimeout,
      `workflow ${workflowName} did not finish within its timeout of ${timeoutMs} ms`,
      {
        data: { workflowName, timeoutMs },
        hint: "raise the workflow's timeoutMs, or catch WorkflowTimeoutError in the workflow to clean up (e.g. compensateAll()) before it fails",
      },
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A signal wait that was still pending when the code, in a later step, started another wait for
 * the same signal name: the newer wait takes its place, and the old one rejects with this error
 * (it never takes a signal). This is what keeps a wait that lost a `Promise.race` from
 * swallowing the next signal. Seen only by code that awaits the old wait afterwards.
 */
export class SignalWaitReplacedError extends ContinuumError<{
  name: string;
  identity: string;
  replacedBy: string;
}> {
  constructor(name: string, identity: string, replacedBy: string) {
    super(
      ErrorCode.SignalWaitReplaced,
      `the wait for signal ${JSON.stringify(name)} (${identity}) was replaced by a later wait for the same signal (${replacedBy})`,
      {
        data: { name, identity, replacedBy },
        hint: "await a signal wait before starting the next wait for that name, or start several waits in the same step (e.g. Promise.all([signal(n), signal(n)])); for a deadline use signal(name, { timeout }) rather than Promise.race",
      },
    );
  }
}
