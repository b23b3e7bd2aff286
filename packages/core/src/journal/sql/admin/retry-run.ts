import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { RunNotFoundError } from "../../../errors/journal-errors.ts";
import { RunNotRetryableError } from "../../../errors/operator-errors.ts";
import type { RetryRunRequest, RetryRunResult } from "../../journal-admin.ts";
import { NotifyTopic } from "../../notifier.ts";
import { planRetry } from "../../plan-retry.ts";
import { prepareTasks } from "../create-tasks.ts";
import { deliverToInbox } from "../deliver-to-inbox.ts";
import { lockWorkflowId } from "../lock-workflow-id.ts";
import { runColumns, toRunRecord, type RunRow } from "../rows.ts";
import { getRun, getRunByWorkflowId, readHistory } from "../run-queries.ts";
import { insertRun } from "../start-run.ts";
import { dbNow, fromEpochMs, inTransaction, notify, type SqlExecutor } from "../sql-fragments.ts";
import type { InsertedTask } from "../create-tasks.ts";

/**
 * Retries a failed run from its failure as a new run (see JournalAdmin.retryRun), in one
 * transaction. Locking: the failed run's row FOR SHARE (a concurrent retry of the same run waits,
 * then finds the workflow id taken), the workflow id's advisory lock (as a start that looks at
 * closed runs takes it), then the new run's insert; the unique index over open runs is the last
 * word. The copied events are copied by the database (INSERT ... SELECT), so payloads stay the
 * exact text they were.
 */
export async function retryRun(db: SqlExecutor, request: RetryRunRequest): Promise<RetryRunResult> {
  return inTransaction(db, async (tx) => {
    const locked = await sql<RunRow>`
      SELECT ${runColumns} FROM continuum.runs AS r WHERE r.run_id = ${request.runId} FOR SHARE`.execute(tx);
    const oldRow = locked.rows[0];
    if (oldRow === undefined) throw new RunNotFoundError(request.runId);
    const old = toRunRecord(oldRow);
    const plan = planRetry(old, await readHistory(tx, old.runId));
    await lockWorkflowId(tx, old.namespace, old.workflowId);
    const holder = await getRunByWorkflowId(tx, old.namespace, old.workflowId);
    const taken = (runId: string) =>
      new RunNotRetryableError(old.runId, "workflow_id_taken", `run ${runId} holds its workflow id`);
    if (holder !== undefined && (holder.status === "running" || holder.status === "stuck_unknown_version"))
      throw taken(holder.runId);
    const newRunId = request.newRunId ?? randomUUID();
    const inserted = await insertRun(tx, {
      runId: newRunId,
      namespace: old.namespace,
      workflowId: old.workflowId,
      workflowName: old.workflowName,
      versionHash: request.versionHash ?? old.versionHash,
      input: old.input,
      attributes: old.attributes,
      ...(old.traceContext === undefined ? {} : { traceContext: old.traceContext }),
      chainId: newRunId,
    });
    if (inserted === undefined) throw taken("(another)");
    const copied = plan.events.length;
    // The new run's own run_started (seq 1) stays; events 2..copied come over verbatim.
    if (copied > 1) {
      await sql`
        INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
        SELECT ${newRunId}, ${inserted.history_month}::date, e.seq, e.kind, e.body, e.at
        FROM continuum.events AS e
        WHERE e.run_id = ${old.runId} AND e.seq BETWEEN 2 AND ${copied}`.execute(tx);
      await sql`UPDATE continuum.runs SET last_seq = ${copied} WHERE run_id = ${newRunId}`.execute(tx);
    }
    const prepared = await prepareTasks(tx, newRunId, plan.tasks);
    const rows =
      prepared.cte === undefined
        ? []
        : (
            await sql<InsertedTask>`
              WITH ${prepared.cte}
              SELECT task_id, identity, status, attempt_token, deadline::text AS deadline FROM created_tasks`.execute(
              tx,
            )
          ).rows;
    await prepared.finish(tx, rows);
    if (plan.timers.length > 0) {
      await sql`
        INSERT INTO continuum.timers (run_id, identity, fire_at, created_at)
        VALUES ${sql.join(plan.timers.map((t) => sql`(${newRunId}, ${t.identity}, ${fromEpochMs(t.fireAt)}, ${dbNow})`))}`.execute(
        tx,
      );
      await notify(tx, NotifyTopic.timerSet, [newRunId]);
    }
    await deliverToInbox(
      tx,
      plan.signals.map((event) => ({ runId: newRunId, event })),
    );
    const run = await getRun(tx, newRunId);
    if (run === undefined) throw new Error(`retried run ${newRunId} vanished in its own transaction`);
    return {
      run,
      retriedFrom: old.runId,
      copiedEvents: copied,
      rescheduled: plan.tasks.map((t) => t.identity),
      timers: plan.timers.map((t) => t.identity),
      carriedSignals: plan.signals.length,
    };
  });
}
