import { sql, type SqlTemplate } from "./sql-template.ts";
import type { Encoded } from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { NewTask, TaskClaim } from "../journal.ts";
import { inProcessClaim, runsInProcess } from "../in-process-attempts.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { dbNow, dbNowPlus, json, notify, toMs, type SqlExecutor } from "./sql-fragments.ts";

/** A step's tasks, ready to be inserted by commitStep's write statement (see {@link prepareTasks}). */
export interface PreparedTasks {
  /** `created_tasks AS (INSERT ... RETURNING ...)`, or undefined when nothing is to be inserted. */
  readonly cte: SqlTemplate<unknown> | undefined;
  /** Some task was answered from a stored idempotent result: `finish` puts it in the run's inbox. */
  readonly reusesResults: boolean;
  /** The calls of the tasks that are in-process attempts (no row; see `NewTask.inProcess`). */
  readonly inProcessCalls: readonly string[];
  /**
   * After the insert: the claims of the tasks created claimed (in-process ones made here, their
   * deadline from `now`, the statement's journal time), hints for the others, reused results
   * to the inbox.
   */
  finish(
    tx: SqlExecutor,
    inserted: readonly InsertedTask[],
    options?: { readonly hintsSent?: boolean; readonly now?: number },
  ): Promise<TaskClaim[]>;
}

/** A row of the `created_tasks` CTE (read back as json). */
export interface InsertedTask {
  readonly task_id: string;
  readonly identity: string;
  readonly status: string;
  readonly attempt_token: string | null;
  readonly deadline: string | null;
}

/**
 * Prepares a step's activity tasks (part of commitStep's transaction, or of its one-statement
 * form, which passes `gate`: the rows are inserted only when that condition holds). `detached`: the step
 * ends the run, so the tasks are claimable although their run is finished (see
 * Journal.commitStep). A task whose (activityName, idempotencyKey) already has a stored result
 * is not created: the result goes to the run's inbox at once (attempts: 0, nothing ran for
 * this run). A task with `claim` is inserted as its first attempt, claimed by `owner` (the
 * sticky fast path: the committing engine runs it at once), and is returned; no task_ready
 * hint for it.
 *
 * Locking: the insert is a CTE of commitStep's one write statement, under its run row lock; the
 * idempotency lookup (only when a task has a key) reads committed results without locking (a
 * result stored concurrently just means this run executes the activity once more, and
 * finishTask keeps the latest result). A task created claimed is invisible to other
 * transactions until the step commits, and then it is `running` with a live deadline, which
 * claimTasks skips.
 */
export async function prepareTasks(
  tx: SqlExecutor,
  runId: string,
  tasks: readonly NewTask[],
  options: {
    readonly detached?: boolean;
    readonly owner?: string;
    readonly gate?: SqlTemplate<unknown>;
    /** The engine's attempt lease for tasks created claimed (the step's `leaseMs`). */
    readonly attemptLeaseMs?: number;
  } = {},
): Promise<PreparedTasks> {
  const keyed = tasks.filter((t) => t.options.idempotencyKey !== undefined);
  const stored = new Map<string, Encoded>();
  if (keyed.length > 0) {
    const pairs = keyed.map((t) => sql`(${t.activityName}, ${t.options.idempotencyKey})`);
    const found = await sql<{ activity_name: string; key: string; result: Encoded }>`
      SELECT activity_name, key, result FROM continuum.idempotency
      WHERE (activity_name, key) IN (${sql.join(pairs)})`.execute(tx);
    for (const row of found.rows) stored.set(`${row.activity_name}\u0000${row.key}`, row.result);
  }
  const reused = (t: NewTask): Encoded | undefined =>
    t.options.idempotencyKey === undefined
      ? undefined
      : stored.get(`${t.activityName}\u0000${t.options.idempotencyKey}`);
  const fresh = tasks.filter((t) => reused(t) === undefined);
  const owner = options.owner;
  const detached = options.detached === true;
  const inProcess = fresh.filter((t) => runsInProcess(t, owner, detached));
  const rows = fresh
    .filter((t) => !inProcess.includes(t))
    .map((t) => {
      const queue = t.options.queue ?? null;
      // A task routed to a queue is never created claimed: only claimQueuedTasks starts its attempts.
      if (t.claim !== true || owner === undefined || queue !== null) {
        return sql`(${runId}::text, ${t.identity}::text, ${t.activityName}::text, ${json(t.args)}, ${json(t.options)}, ${t.options.retry.maxAttempts}::int,
                  'pending'::text, 0, NULL::uuid, NULL::text, NULL::timestamptz, NULL::timestamptz, ${dbNow}, ${dbNow}, ${dbNow}, ${detached}::boolean, ${queue}::text)`;
      }
      // The first attempt's deadline, as claimTasks computes it (attemptDeadlineSql) from the options.
      const bounds = [dbNowPlus("startToCloseMs", t.options.startToCloseMs)];
      if (t.options.heartbeatTimeoutMs !== undefined)
        bounds.push(dbNowPlus("heartbeatTimeoutMs", t.options.heartbeatTimeoutMs));
      if (options.attemptLeaseMs !== undefined)
        bounds.push(dbNowPlus("attemptLeaseMs", options.attemptLeaseMs));
      const deadline = bounds.length === 1 ? bounds[0] : sql`LEAST(${sql.join(bounds)})`;
      return sql`(${runId}::text, ${t.identity}::text, ${t.activityName}::text, ${json(t.args)}, ${json(t.options)}, ${t.options.retry.maxAttempts}::int,
                'running'::text, 1, gen_random_uuid(), ${owner}::text, ${dbNow}, ${deadline}, ${deadline}, ${dbNow}, ${dbNow}, ${detached}::boolean, NULL::text)`;
    });
  const cte =
    rows.length === 0
      ? undefined
      : sql`created_tasks AS (
          INSERT INTO continuum.tasks (run_id, identity, activity_name, args, options, max_attempts,
                                       status, attempt, attempt_token, owner, attempt_started_at, deadline, available_at, created_at, updated_at, detached, queue_name)
          ${options.gate === undefined ? sql`VALUES ${sql.join(rows)}` : sql`SELECT * FROM (VALUES ${sql.join(rows)}) AS v WHERE ${options.gate}`}
          RETURNING task_id::text AS task_id, identity, status, attempt_token::text AS attempt_token, deadline)`;

  const finish = async (
    tx2: SqlExecutor,
    inserted: readonly InsertedTask[],
    finishOptions: { readonly hintsSent?: boolean; readonly now?: number } = {},
  ): Promise<TaskClaim[]> => {
    const byIdentity = new Map(fresh.map((t) => [t.identity as string, t]));
    const now = finishOptions.now;
    if (inProcess.length > 0 && now === undefined)
      throw new Error("prepareTasks: in-process attempts need the statement's journal time");
    const claimed: TaskClaim[] = inProcess.map((t) => inProcessClaim(runId, t, now as number));
    const ready: string[] = [];
    for (const row of inserted) {
      const task = byIdentity.get(row.identity);
      if (
        row.status !== "running" ||
        task === undefined ||
        row.attempt_token === null ||
        row.deadline === null
      ) {
        ready.push(row.task_id);
        continue;
      }
      claimed.push({
        taskId: row.task_id,
        attempt: 1,
        attemptToken: row.attempt_token,
        runId,
        identity: task.identity,
        activityName: task.activityName,
        args: task.args,
        options: task.options,
        deadline: toMs(row.deadline),
      });
    }
    if (finishOptions.hintsSent !== true) await notify(tx2, NotifyTopic.taskReady, ready);
    await deliverToInbox(
      tx2,
      tasks.flatMap((t) => {
        const result = reused(t);
        return result === undefined
          ? []
          : [
              {
                runId,
                event: { kind: "activity_completed", identity: t.identity, result, attempts: 0 } as const,
              },
            ];
      }),
    );
    return claimed;
  };
  const inProcessCalls = inProcess.map((t) => t.identity);
  if (inProcess.length > 0 && claimedOrder(tasks, inProcess)) {
    // Claims are returned in the order of `tasks` (the engine starts the first ones it reserved).
    const position = new Map(tasks.map((t, i) => [t.identity as string, i]));
    const unordered = finish;
    const ordered: typeof finish = async (tx2, inserted, finishOptions) =>
      (await unordered(tx2, inserted, finishOptions)).sort(
        (a, b) => (position.get(a.identity) ?? 0) - (position.get(b.identity) ?? 0),
      );
    return { cte, finish: ordered, reusesResults: fresh.length < tasks.length, inProcessCalls };
  }
  return { cte, finish, reusesResults: fresh.length < tasks.length, inProcessCalls };
}

/** Whether some task created claimed with a row comes before an in-process one (the claims then need sorting). */
function claimedOrder(tasks: readonly NewTask[], inProcess: readonly NewTask[]): boolean {
  return tasks.some((t) => t.claim === true && !inProcess.includes(t));
}
