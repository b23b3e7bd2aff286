import { serializeError } from "../../codec/error-codec.ts";
import { expiredAttemptError } from "../expired-attempt-error.ts";
import { StaleAttemptError } from "../../errors/journal-errors.ts";
import type { Encoded } from "../../model/payload.ts";
import { isTerminal } from "../../model/run-status.ts";
import type {
  ClaimTasksRequest,
  FinishedTask,
  HeartbeatTasksOptions,
  HeartbeatTasksResult,
  NewTask,
  TaskAttemptRef,
  TaskClaim,
  TaskHeartbeat,
  TaskOutcome,
} from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { attemptDeadline } from "./memory-rows.ts";
import type { RunRow, TaskRow } from "./memory-rows.ts";
import { MemoryStore } from "./memory-store.ts";
import { instantAfter } from "../instant-limits.ts";
import { coalesceHeartbeats } from "../coalesce-heartbeats.ts";
import { inProcessClaim, runsInProcess } from "../in-process-attempts.ts";

/**
 * Schedules one task of a step. When (activityName, idempotencyKey) already has a stored
 * result, the result goes to the run's inbox at once and no task is created.
 */
export function scheduleTask(
  store: MemoryStore,
  run: RunRow,
  task: NewTask,
  now: number,
  detached = false,
  owner?: string,
  attemptLeaseMs?: number,
): TaskClaim | undefined {
  const key = task.options.idempotencyKey;
  if (key !== undefined) {
    const stored = store.idempotentResults.get(MemoryStore.idempotencyKey(task.activityName, key));
    if (stored !== undefined) {
      // attempts: 0 — no attempt ran for this run; the result was reused.
      store.pushInbox(
        run,
        { kind: "activity_completed", identity: task.identity, result: stored, attempts: 0 },
        now,
      );
      return undefined;
    }
  }
  const row = newTaskRow(store, run.runId, task, now, {
    attempt: 0,
    state: "ready",
    availableAt: now,
    ...(detached ? { detached } : {}),
  });
  // An in-process attempt (NewTask.inProcess) has no row: only its claim exists.
  if (runsInProcess(task, owner, detached)) return inProcessClaim(run.runId, task, now);
  store.tasks.set(row.taskId, row);
  // Created claimed (sticky fast path): the committing engine runs it; nobody else needs a hint.
  if (task.claim === true && owner !== undefined && task.options.queue === undefined)
    return startAttempt(row, now, attemptLeaseMs);
  store.notifier.publish(NotifyTopic.taskReady, row.taskId);
  return undefined;
}

/**
 * A new task row of `runId` for `task`, scheduled at `now` (a fresh task id unless `fields`
 * names one), with the attempt state `fields` gives.
 */
export function newTaskRow(
  store: MemoryStore,
  runId: string,
  task: Pick<NewTask, "identity" | "activityName" | "args" | "options">,
  now: number,
  fields: Pick<TaskRow, "attempt" | "state" | "availableAt"> & Partial<TaskRow>,
): TaskRow {
  return {
    taskId: crypto.randomUUID(),
    runId,
    identity: task.identity,
    activityName: task.activityName,
    args: structuredClone(task.args),
    options: structuredClone(task.options),
    scheduledAt: now,
    order: store.nextOrder(),
    ...fields,
  };
}

/** Starts the task's next attempt (a claim): new token, deadlines from `now`. */
export function startAttempt(task: TaskRow, now: number, attemptLeaseMs?: number): TaskClaim {
  task.attempt += 1;
  task.state = "running";
  task.attemptToken = crypto.randomUUID();
  task.attemptStartedAt = now;
  task.heartbeatAt = undefined;
  task.closeBy = instantAfter("startToCloseMs", now, task.options.startToCloseMs);
  task.heartbeatBy =
    task.options.heartbeatTimeoutMs === undefined
      ? undefined
      : instantAfter("heartbeatTimeoutMs", now, task.options.heartbeatTimeoutMs);
  task.leaseBy =
    attemptLeaseMs === undefined ? undefined : instantAfter("attemptLeaseMs", now, attemptLeaseMs);
  return structuredClone({
    taskId: task.taskId,
    attempt: task.attempt,
    attemptToken: task.attemptToken,
    runId: task.runId,
    identity: task.identity,
    activityName: task.activityName,
    args: task.args,
    options: task.options,
    deadline: attemptDeadline(task),
    ...(task.details === undefined ? {} : { lastHeartbeatDetails: task.details }),
  });
}

/**
 * The rows of a step's `finishTasks`, checked before the step changes anything: each must be
 * the current live attempt of one of `runId`'s tasks, and listed once.
 */
export function checkFinishedTasks(
  store: MemoryStore,
  runId: string,
  finished: readonly FinishedTask[],
  now: number,
): TaskRow[] {
  const seen = new Set<string>();
  // In-process attempts have no row: their calls leave the run's list instead (commitStep).
  return finished
    .filter(({ claim }) => claim.inProcess !== true)
    .map(({ claim }) => {
      const task = currentAttempt(store, claim, now);
      if (task.runId !== runId || seen.has(task.taskId))
        throw new StaleAttemptError(claim.taskId, claim.attempt);
      seen.add(task.taskId);
      return task;
    });
}

/** Closes attempts finished inside a step commit, as finishTask does, minus the inbox item. */
export function closeFinishedTasks(
  store: MemoryStore,
  tasks: readonly TaskRow[],
  finished: readonly FinishedTask[],
): void {
  const withRows = finished.filter(({ claim }) => claim.inProcess !== true);
  tasks.forEach((task, i) => {
    const outcome = (withRows[i] as FinishedTask).outcome;
    if (outcome.kind === "failed") task.lastError = structuredClone(outcome.error);
    finish(store, task, outcome.kind);
    const key = task.options.idempotencyKey;
    if (outcome.kind === "completed" && key !== undefined) {
      store.idempotentResults.set(
        MemoryStore.idempotencyKey(task.activityName, key),
        structuredClone(outcome.result),
      );
    }
  });
}

/** See `Journal.claimTasks`. Abandoned last attempts are failed with a timeout error first. */
export function claimTasks(store: MemoryStore, request: ClaimTasksRequest): TaskClaim[] {
  const now = store.clock.now();
  failAbandonedLastAttempts(store, now);
  dropTasksOfFinishedRuns(store);
  const names = request.activityNames === undefined ? undefined : new Set(request.activityNames);
  const due = [...store.tasks.values()]
    .filter(
      (task) =>
        task.options.queue === undefined &&
        (names === undefined || names.has(task.activityName)) &&
        dueAt(task) <= now,
    )
    .sort((a, b) => dueAt(a) - dueAt(b) || a.order - b.order)
    .slice(0, Math.max(0, request.limit));
  return due.map((task) => startAttempt(task, now, request.attemptLeaseMs));
}

/** See `Journal.heartbeatTask`: moves the heartbeat deadline; the start-to-close deadline stays. */
export function heartbeatTask(store: MemoryStore, claim: TaskAttemptRef, details: Encoded | undefined): void {
  beat(store, { claim, ...(details === undefined ? {} : { details }) }, {});
}

/** One accepted heartbeat or renewal (see `Journal.heartbeatTasks`); returns the task row. */
function beat(store: MemoryStore, heartbeat: TaskHeartbeat, options: HeartbeatTasksOptions): TaskRow {
  const now = store.clock.now();
  const task = currentAttempt(store, heartbeat.claim, now);
  if (heartbeat.renew !== true) {
    if (task.options.heartbeatTimeoutMs !== undefined)
      task.heartbeatBy = instantAfter("heartbeatTimeoutMs", now, task.options.heartbeatTimeoutMs);
    if (heartbeat.details !== undefined) task.details = structuredClone(heartbeat.details);
    task.heartbeatAt = now;
  }
  // As SQL, which keeps no lease column: a flush without a lease leaves the attempt unleased.
  task.leaseBy =
    options.attemptLeaseMs === undefined
      ? undefined
      : instantAfter("attemptLeaseMs", now, options.attemptLeaseMs);
  return task;
}

/** See `Journal.heartbeatTasks`: each listed attempt as {@link heartbeatTask}, a stale one refused on its own. */
export function heartbeatTasks(
  store: MemoryStore,
  heartbeats: readonly TaskHeartbeat[],
  options: HeartbeatTasksOptions = {},
): HeartbeatTasksResult {
  const refused: TaskAttemptRef[] = [];
  const withdrawn: TaskAttemptRef[] = [];
  for (const heartbeat of coalesceHeartbeats(heartbeats)) {
    try {
      const task = beat(store, heartbeat, options);
      const run = store.runs.get(task.runId);
      if (
        task.cancelRequested === true ||
        (task.detached !== true && (run === undefined || isTerminal(run.status)))
      )
        withdrawn.push({
          taskId: heartbeat.claim.taskId,
          attempt: heartbeat.claim.attempt,
          attemptToken: heartbeat.claim.attemptToken,
        });
    } catch (error) {
      if (!(error instanceof StaleAttemptError)) throw error;
      refused.push(heartbeat.claim);
    }
  }
  return withdrawn.length === 0 ? { refused } : { refused, withdrawn };
}

/** See `Journal.finishTask`. */
export function finishTask(store: MemoryStore, claim: TaskAttemptRef, outcome: TaskOutcome): void {
  const now = store.clock.now();
  const task = currentAttempt(store, claim, now);
  const run = store.runs.get(task.runId);
  switch (outcome.kind) {
    case "completed": {
      finish(store, task, "completed");
      const key = task.options.idempotencyKey;
      if (key !== undefined)
        store.idempotentResults.set(
          MemoryStore.idempotencyKey(task.activityName, key),
          structuredClone(outcome.result),
        );
      if (run)
        store.pushInbox(
          run,
          {
            kind: "activity_completed",
            identity: task.identity,
            result: outcome.result,
            attempts: task.attempt,
          },
          now,
        );
      return;
    }
    case "failed":
      task.lastError = structuredClone(outcome.error);
      finish(store, task, "failed");
      if (run)
        store.pushInbox(
          run,
          { kind: "activity_failed", identity: task.identity, error: outcome.error, attempts: task.attempt },
          now,
        );
      return;
    case "retry": {
      const availableAt = instantAfter("retry delayMs", now, outcome.delayMs); // may throw: before any change
      task.state = "ready";
      task.attemptToken = undefined;
      task.closeBy = undefined;
      task.heartbeatBy = undefined;
      task.leaseBy = undefined;
      task.lastError = structuredClone(outcome.error);
      task.availableAt = availableAt;
      if (outcome.delayMs <= 0) store.notifier.publish(NotifyTopic.taskReady, task.taskId);
      return;
    }
  }
}

/** Earliest time a task needs attention: ready -> when available, running -> when abandoned. */
export function dueAt(task: TaskRow): number {
  switch (task.state) {
    case "ready":
      return task.availableAt;
    case "running":
      return attemptDeadline(task);
    case "done":
      return Number.POSITIVE_INFINITY;
  }
}

/**
 * Drops a run's tasks that wait for an attempt: all of them (the run just finished), or those
 * with the given identities (`cancelTasks`). Running attempts are left to finish.
 */
export function dropPendingTasks(store: MemoryStore, runId: string, identities?: ReadonlySet<string>): void {
  for (const [taskId, task] of store.tasks) {
    if (task.runId !== runId || (identities !== undefined && !identities.has(task.identity))) continue;
    if (task.state === "ready") store.tasks.delete(taskId);
    // Withdrawn by name (cancelTasks): its engine hears it at its next heartbeat flush.
    else if (task.state === "running" && identities !== undefined) task.cancelRequested = true;
  }
}

/**
 * A finished run's tasks never start (again): a cancelled order must not charge the card later.
 * Detached tasks (issued by the step that ended the run) are the exception.
 */
function dropTasksOfFinishedRuns(store: MemoryStore): void {
  for (const task of store.tasks.values()) {
    const run = store.runs.get(task.runId);
    if (
      run === undefined ||
      (isTerminal(run.status) &&
        task.detached !== true &&
        (task.state === "ready" || attemptDeadline(task) <= store.clock.now()))
    ) {
      store.tasks.delete(task.taskId);
    }
  }
}

function failAbandonedLastAttempts(store: MemoryStore, now: number): void {
  for (const task of store.tasks.values()) {
    if (
      task.state !== "running" ||
      attemptDeadline(task) > now ||
      task.attempt < task.options.retry.maxAttempts
    )
      continue;
    const error = serializeError(
      expiredAttemptError(
        task.activityName,
        task.attempt,
        task.options,
        attemptDeadline(task),
        task.closeBy ?? Number.POSITIVE_INFINITY,
        task.heartbeatBy,
      ),
    );
    task.lastError = error;
    finish(store, task, "failed");
    const run = store.runs.get(task.runId);
    if (run)
      store.pushInbox(
        run,
        { kind: "activity_failed", identity: task.identity, error, attempts: task.attempt },
        now,
      );
  }
}

function currentAttempt(store: MemoryStore, claim: TaskAttemptRef, now: number): TaskRow {
  const task = store.tasks.get(claim.taskId);
  if (
    task === undefined ||
    task.state !== "running" ||
    task.attempt !== claim.attempt ||
    task.attemptToken !== claim.attemptToken ||
    attemptDeadline(task) <= now
  ) {
    throw new StaleAttemptError(claim.taskId, claim.attempt);
  }
  return task;
}

/** A finished task is gone: a late result for it finds no current attempt and is refused. */
function finish(store: MemoryStore, task: TaskRow, outcome: "completed" | "failed"): void {
  task.state = "done";
  store.tasks.delete(task.taskId);
  // Kept for the read model (listTasks), as SQL keeps the finished row.
  task.outcome = outcome;
  task.finishedAt = store.clock.now();
  task.attemptToken = undefined;
  store.finishedTasks.set(task.taskId, task);
}
