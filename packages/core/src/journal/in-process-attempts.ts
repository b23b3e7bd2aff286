// In-process attempts (NewTask.inProcess): the rules both journals share.
import type { EffectIdentity, HistoryEvent } from "../model/index.ts";
import type { TaskRecord } from "./journal-inspector.ts";
import type { NewTask, StepCommit } from "./step-commit-types.ts";
import type { TaskClaim } from "./task-attempt-types.ts";

/**
 * Whether a task of a step is created as an in-process attempt (no task row; see
 * {@link NewTask.inProcess}): both journals decide it with this one rule.
 */
export function runsInProcess(task: NewTask, owner: string | undefined, detached: boolean): boolean {
  return (
    task.claim === true &&
    task.inProcess === true &&
    owner !== undefined &&
    !detached &&
    task.options.queue === undefined &&
    task.options.idempotencyKey === undefined &&
    task.options.heartbeatTimeoutMs === undefined
  );
}

/**
 * The claim of an in-process attempt (see {@link NewTask.inProcess}), made by the journal
 * without a row: attempt 1, a fresh task id and token, deadline now + startToCloseMs (clamped
 * to the last instant a Date holds).
 */
export function inProcessClaim(runId: string, task: NewTask, now: number): TaskClaim {
  return {
    taskId: crypto.randomUUID(),
    attempt: 1,
    attemptToken: crypto.randomUUID(),
    runId,
    identity: task.identity,
    activityName: task.activityName,
    args: task.args,
    options: task.options,
    deadline: Math.min(now + task.options.startToCloseMs, 8.64e15),
    inProcess: true,
  };
}

/** How a step changes its run's list of in-process calls (see {@link inProcessChange}). */
export interface InProcessChange {
  /** Calls whose in-process attempts the step creates. */
  readonly added: readonly EffectIdentity[];
  /** Calls whose in-process attempts the step finishes: each must be listed, or the step is refused. */
  readonly removed: readonly EffectIdentity[];
}

/** The in-process calls a step adds to its run's list and removes from it. */
export function inProcessChange(commit: StepCommit, detached: boolean): InProcessChange {
  const added: EffectIdentity[] = [];
  for (const task of commit.tasks)
    if (runsInProcess(task, commit.lease.owner, detached)) added.push(task.identity);
  const removed: EffectIdentity[] = [];
  for (const finished of commit.finishTasks ?? [])
    if (finished.claim.inProcess === true && finished.claim.identity !== undefined)
      removed.push(finished.claim.identity);
  return { added, removed };
}

/**
 * The read model's task list of a run: its task rows, and for each activity call of its history
 * that has no row (an in-process attempt; a result reused by idempotency key; a call copied by
 * an operator's retry) a record made from the history (`fromHistory`): status from the call's
 * outcome event, or `running` while the run is open and no outcome is recorded yet. In
 * schedule order.
 */
export function withInProcessTasks(
  runId: string,
  rows: readonly TaskRecord[],
  history: readonly HistoryEvent[],
  runOpen: boolean,
): TaskRecord[] {
  const withRow = new Set<EffectIdentity>(rows.map((row) => row.identity));
  const made = new Map<EffectIdentity, { -readonly [K in keyof TaskRecord]: TaskRecord[K] }>();
  for (const event of history) {
    if (event.kind === "activity_scheduled") {
      if (withRow.has(event.identity)) continue;
      made.set(event.identity, {
        taskId: `history:${event.identity}`,
        runId,
        identity: event.identity,
        activityName: event.activityName,
        status: "running",
        args: event.args,
        attempt: 1,
        maxAttempts: event.options.retry.maxAttempts,
        scheduledAt: event.at,
        attemptStartedAt: event.at,
        detached: false,
        fromHistory: true,
      });
    } else if (event.kind === "activity_completed" || event.kind === "activity_failed") {
      const record = made.get(event.identity);
      if (record === undefined) continue;
      record.status = event.kind === "activity_completed" ? "completed" : "failed";
      record.attempt = event.attempts;
      record.finishedAt = event.at;
      if (event.kind === "activity_failed") record.lastError = event.error;
    }
  }
  const synthesized = [...made.values()].filter((record) => runOpen || record.status !== "running");
  if (synthesized.length === 0) return [...rows];
  return [...rows, ...synthesized].sort((a, b) => a.scheduledAt - b.scheduledAt);
}
