import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/**
 * `client.signal` was given a payload that the signal definition's `validate` refused (it
 * returned false or threw). Nothing was stored. The payload itself is not in the message (it
 * may hold personal data); a throwing validator's error is the `cause`.
 */
export class SignalPayloadInvalidError extends ContinuumError<{ signalName: string; runId: string }> {
  constructor(signalName: string, runId: string, cause?: unknown) {
    super(
      ErrorCode.SignalPayloadInvalid,
      `the payload of signal ${JSON.stringify(signalName)} for run ${runId} failed its definition's validation` +
        (cause === undefined ? "" : " (the validator threw: see cause)"),
      {
        data: { signalName, runId },
        hint: `send a payload that defineSignal(${JSON.stringify(signalName)}, validate) accepts; nothing was stored`,
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }
}

/**
 * `client.signal` named a signal that the run's workflow does not declare in its `signals`
 * option. Nothing was stored: a signal no code waits for would sit in the mailbox forever.
 */
export class SignalNotDeclaredError extends ContinuumError<{
  signalName: string;
  runId: string;
  workflowName: string;
  declared: string[];
}> {
  constructor(signalName: string, runId: string, workflowName: string, declared: readonly string[]) {
    super(
      ErrorCode.SignalNotDeclared,
      `workflow ${JSON.stringify(workflowName)} (run ${runId}) declares no signal ${JSON.stringify(signalName)}; it declares ${declared.length === 0 ? "none" : declared.map((n) => JSON.stringify(n)).join(", ")}`,
      {
        data: { signalName, runId, workflowName, declared: [...declared] },
        hint: `add the definition to the workflow's { signals: [...] }, fix the name, or pass { dynamic: true } to client.signal for a name chosen at run time`,
      },
    );
  }
}

/**
 * `client.query` or `client.update` named a query or update that the run's workflow does not
 * declare in its `queries` / `updates` option. Nothing was stored or replayed.
 */
export class MessageNotDeclaredError extends ContinuumError<{
  messageKind: "query" | "update";
  messageName: string;
  runId: string;
  workflowName: string;
  declared: string[];
}> {
  constructor(
    messageKind: "query" | "update",
    messageName: string,
    runId: string,
    workflowName: string,
    declared: readonly string[],
  ) {
    super(
      messageKind === "query" ? ErrorCode.QueryNotDeclared : ErrorCode.UpdateNotDeclared,
      `workflow ${JSON.stringify(workflowName)} (run ${runId}) declares no ${messageKind} ${JSON.stringify(messageName)}; it declares ${declared.length === 0 ? "none" : declared.map((n) => JSON.stringify(n)).join(", ")}`,
      {
        data: { messageKind, messageName, runId, workflowName, declared: [...declared] },
        hint: `add the definition to the workflow's { ${messageKind === "query" ? "queries" : "updates"}: [...] }, or fix the name`,
      },
    );
  }
}

/** `client.query` asked a run for a query its code registered no handler for (with `setHandler`). */
export class QueryNotRegisteredError extends ContinuumError<{
  queryName: string;
  runId: string;
  registered: string[];
}> {
  constructor(queryName: string, runId: string, registered: readonly string[]) {
    super(
      ErrorCode.QueryNotRegistered,
      `run ${runId} has no handler for query ${JSON.stringify(queryName)}; it answers ${registered.length === 0 ? "no queries" : registered.map((n) => JSON.stringify(n)).join(", ")}`,
      {
        data: { queryName, runId, registered: [...registered] },
        hint: `call setHandler(${JSON.stringify(queryName)}-definition, () => state) in the workflow before its first await, or fix the query name`,
      },
    );
  }
}

/**
 * `client.query` could not answer: no engine of this process holds the run, and the client
 * has no code of the run's workflow version to replay it with.
 */
export class QueryUnavailableError extends ContinuumError<{
  queryName: string;
  runId: string;
  workflowName: string;
  versionHash: string;
}> {
  constructor(queryName: string, runId: string, workflowName: string, versionHash: string) {
    super(
      ErrorCode.QueryUnavailable,
      `cannot answer query ${JSON.stringify(queryName)} for run ${runId}: this process has no code of workflow ${JSON.stringify(workflowName)} version ${versionHash}`,
      {
        data: { queryName, runId, workflowName, versionHash },
        hint: "pass the workflow definition to createClient({ workflows: [...] }) (or an engine that has it as { engine }), so the client can replay the run",
      },
    );
  }
}

/**
 * A query handler called a workflow effect (activity, sleep, signal, now, ...). Queries are
 * read-only and answered without writing history, so they may not start anything.
 */
export class EffectInQueryError extends ContinuumError<{ effect: string }> {
  constructor(effect: string) {
    super(
      ErrorCode.EffectInQuery,
      `a query handler called ${effect}(): query handlers cannot start effects`,
      {
        data: { effect },
        hint: "make the query handler a synchronous function that only reads workflow state; do the work in the workflow body (use a signal to ask for it)",
      },
    );
  }
}

/** `client.update` was given an input the update definition's `validate` refused. Nothing was stored. */
export class UpdateInputInvalidError extends ContinuumError<{ updateName: string; runId: string }> {
  constructor(updateName: string, runId: string, cause?: unknown) {
    super(
      ErrorCode.UpdateInputInvalid,
      `the input of update ${JSON.stringify(updateName)} for run ${runId} failed its definition's validation` +
        (cause === undefined ? "" : " (the validator threw: see cause)"),
      {
        data: { updateName, runId },
        hint: `send an input that defineUpdate(${JSON.stringify(updateName)}, validate) accepts; nothing was stored`,
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }
}

/** Why an update gave no result: see {@link UpdateFailedError}. */
export type UpdateFailure = "handler-failed" | "run-ended" | "timed-out";

/**
 * An update did not produce a result: its handler threw (the error is the `cause`), or the run
 * ended before the handler finished, or the caller's `timeoutMs` ran out first. The run itself goes on (or ended) as its code decides.
 */
export class UpdateFailedError extends ContinuumError<{
  updateName: string;
  updateId: string;
  runId: string;
  reason: UpdateFailure;
}> {
  constructor(updateName: string, updateId: string, runId: string, reason: UpdateFailure, cause?: unknown) {
    super(
      ErrorCode.UpdateFailed,
      reason === "handler-failed"
        ? `update ${JSON.stringify(updateName)} (${updateId}) of run ${runId} failed: its handler threw (see cause)`
        : reason === "timed-out"
          ? `update ${JSON.stringify(updateName)} (${updateId}) of run ${runId} has no result yet (timeoutMs ran out)`
          : `update ${JSON.stringify(updateName)} (${updateId}) got no result: run ${runId} ended before its handler finished`,
      {
        data: { updateName, updateId, runId, reason },
        hint:
          reason === "handler-failed"
            ? "look at the cause; retrying with the same updateId returns this same failure, use a new updateId to try again"
            : reason === "timed-out"
              ? "the request stays accepted: call client.update again with the same updateId to wait for its result"
              : "register the handler with setHandler before the run's first await, and let the run wait for in-flight updates before it returns",
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }
}
