import type { SerializedError } from "../model/payload.ts";
import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/** Two workflow definitions with the same name were given to one engine. */
export class WorkflowAlreadyRegisteredError extends ContinuumError<{ workflowName: string }> {
  constructor(workflowName: string) {
    super(
      ErrorCode.WorkflowAlreadyRegistered,
      `workflow ${JSON.stringify(workflowName)} is registered twice`,
      {
        data: { workflowName },
        hint: "pass each workflow definition once to createEngine({ workflows }); two workflows need two distinct names",
      },
    );
  }
}

/** Two activity definitions with the same name were given to one engine. */
export class ActivityAlreadyRegisteredError extends ContinuumError<{ activityName: string }> {
  constructor(activityName: string) {
    super(
      ErrorCode.ActivityAlreadyRegistered,
      `activity ${JSON.stringify(activityName)} is registered twice`,
      {
        data: { activityName },
        hint: "pass each activity definition once to createEngine({ activities }); two activities need two distinct names",
      },
    );
  }
}

/** The engine was asked to run a run or task whose code it does not have. */
export class WorkflowNotRegisteredError extends ContinuumError<{ workflowName: string }> {
  constructor(workflowName: string) {
    super(
      ErrorCode.WorkflowNotRegistered,
      `no workflow named ${JSON.stringify(workflowName)} is registered`,
      {
        data: { workflowName },
        hint: "add the workflow definition to createEngine({ workflows }) (or to createTestEnvironment)",
      },
    );
  }
}

/** A task names an activity this engine has no function for. */
export class ActivityNotRegisteredError extends ContinuumError<{ activityName: string }> {
  constructor(activityName: string) {
    super(
      ErrorCode.ActivityNotRegistered,
      `no activity named ${JSON.stringify(activityName)} is registered`,
      {
        data: { activityName },
        hint: "add the activity definition to createEngine({ activities }) (or mock it in createTestEnvironment)",
      },
    );
  }
}

/** An engine, client or test-kit option is out of range. */
export class InvalidEngineOptionError extends ContinuumError<{ option: string; value: string }> {
  constructor(option: string, value: unknown, expected: string) {
    super(ErrorCode.InvalidArgument, `option ${option} is ${String(value)}; expected ${expected}`, {
      data: { option, value: String(value) },
      hint: `set ${option} to ${expected}`,
    });
  }
}

/** The engine is stopping: an in-flight activity attempt was aborted, or work was refused. */
export class EngineStoppedError extends ContinuumError<{ owner: string }> {
  constructor(owner: string) {
    super(ErrorCode.EngineStopped, `engine ${owner} is shutting down`, {
      data: { owner },
      hint: "the work will be picked up again by a running engine once its lease expires; nothing to fix",
    });
  }
}

/** An activity attempt ran past its start-to-close or heartbeat timeout and was abandoned. */
export class ActivityTimeoutError extends ContinuumError<{
  activityName: string;
  attempt: number;
  timeoutMs: number;
  kind: "start_to_close" | "heartbeat" | "engine_lease";
}> {
  constructor(
    activityName: string,
    attempt: number,
    timeoutMs: number,
    kind: "start_to_close" | "heartbeat" | "engine_lease",
  ) {
    super(
      ErrorCode.Timeout,
      kind === "engine_lease"
        ? `activity ${activityName} attempt ${attempt} was abandoned ${timeoutMs} ms after it started: the engine running it stopped renewing its lease`
        : `activity ${activityName} attempt ${attempt} exceeded its ${kind.replace("_", "-")} timeout of ${timeoutMs} ms`,
      {
        data: { activityName, attempt, timeoutMs, kind },
        hint:
          kind === "heartbeat"
            ? "call activityContext().heartbeat() more often than heartbeatTimeoutMs, or raise it"
            : kind === "engine_lease"
              ? "nothing to fix in the activity: its engine crashed or was paused longer than leaseMs; with attempts left the task is retried elsewhere"
              : "raise the activity's timeoutMs, or make it observe activityContext().signal and return sooner",
      },
    );
  }
}

/**
 * The awaited run failed. `cause` is the workflow's error rebuilt from the journal (a typed
 * Continuum error when it was one, else an Error with the original name and message).
 */
export class WorkflowFailedError extends ContinuumError<{
  runId: string;
  workflowName: string;
  error: SerializedError;
}> {
  constructor(runId: string, workflowName: string, error: SerializedError, cause: Error) {
    super(
      ErrorCode.WorkflowFailed,
      `run ${runId} of workflow ${workflowName} failed: ${error.name}: ${error.message}`,
      {
        data: { runId, workflowName, error },
        hint: "inspect the cause (error.cause) and client.history(runId) to see which step failed",
        cause,
      },
    );
  }
}

/** The awaited run was cancelled. */
export class WorkflowCancelledError extends ContinuumError<{
  runId: string;
  workflowName: string;
  reason?: string;
}> {
  constructor(runId: string, workflowName: string, reason?: string) {
    super(
      ErrorCode.Cancelled,
      `run ${runId} of workflow ${workflowName} was cancelled${reason === undefined ? "" : `: ${reason}`}`,
      {
        data: reason === undefined ? { runId, workflowName } : { runId, workflowName, reason },
        hint: "a cancelled run has no result; start a new run if the work is still needed",
      },
    );
  }
}

/** `client.result()` gave up waiting; the run itself goes on. */
export class ResultTimeoutError extends ContinuumError<{ runId: string; timeoutMs: number; status: string }> {
  constructor(runId: string, timeoutMs: number, status: string) {
    super(ErrorCode.Timeout, `run ${runId} did not finish within ${timeoutMs} ms (status: ${status})`, {
      data: { runId, timeoutMs, status },
      hint: "the run keeps going: wait longer (a larger timeoutMs), or check that an engine with this workflow is running",
    });
  }
}

/**
 * The test kit could not do what a test asked (the run can never reach the awaited status,
 * paranoid replay found a difference, a mock is missing).
 */
export class TestKitError extends ContinuumError<Record<string, unknown>> {
  constructor(message: string, data: Record<string, unknown>, hint: string, cause?: unknown) {
    super(ErrorCode.TestKit, message, cause === undefined ? { data, hint } : { data, hint, cause });
  }
}

/** Two versions of one workflow were registered with the same `version` number but different code. */
export class WorkflowVersionConflictError extends ContinuumError<{
  workflowName: string;
  version: number;
  versionHashes: string[];
}> {
  constructor(workflowName: string, version: number, versionHashes: readonly string[]) {
    super(
      ErrorCode.WorkflowVersionConflict,
      `workflow ${JSON.stringify(workflowName)} has two different definitions with version ${version} (hashes ${versionHashes.join(", ")})`,
      {
        data: { workflowName, version, versionHashes: [...versionHashes] },
        hint: "bump `version` in the changed workflow(...) definition: new runs start on the highest version, older ones keep replaying on theirs",
      },
    );
  }
}

/** A run's version hash is not among the versions of its workflow this engine has. */
export class WorkflowVersionNotRegisteredError extends ContinuumError<{
  workflowName: string;
  versionHash: string;
}> {
  constructor(workflowName: string, versionHash: string) {
    super(
      ErrorCode.WorkflowVersionNotRegistered,
      `workflow ${JSON.stringify(workflowName)} has no registered version with hash ${versionHash}`,
      {
        data: { workflowName, versionHash },
        hint: "keep the workflow version the run started with registered (side by side with the new one) until its runs finish; `continuum versions check` lists them",
      },
    );
  }
}

/** A build manifest (continuum-manifest.json) could not be read or has the wrong shape. */
export class InvalidManifestError extends ContinuumError<{ path: string; problem: string }> {
  constructor(path: string, problem: string) {
    super(ErrorCode.InvalidArgument, `manifest ${path} ${problem}`, {
      data: { path, problem },
      hint: "pass the continuum-manifest.json your build wrote (tspc, the vite plugin, or `continuum-manifest -p tsconfig.json`)",
    });
  }
}
