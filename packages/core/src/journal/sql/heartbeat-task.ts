import { sql } from "kysely";
import type { Encoded } from "../../model/index.ts";
import type { TaskAttemptRef } from "../journal.ts";
import { lockCurrentAttempt } from "./finish-task.ts";
import { inTransaction, dbNow, json, plusOptionMs, type SqlExecutor } from "./sql-fragments.ts";

/**
 * heartbeatTask: moves the current attempt's heartbeat deadline (the start-to-close deadline
 * stays) and stores the progress details. Same locking as finishTask: the task row,
 * FOR UPDATE, after checking the attempt is current by the database clock.
 */
export async function heartbeatTask(
  db: SqlExecutor,
  claim: TaskAttemptRef,
  details?: Encoded,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const task = await lockCurrentAttempt(tx, claim);
    await sql`
      UPDATE continuum.tasks SET
        heartbeat_at = ${dbNow},
        heartbeat_details = ${details === undefined ? sql`heartbeat_details` : json(details)},
        deadline = LEAST(${plusOptionMs(sql`attempt_started_at`, "startToCloseMs")}, ${plusOptionMs(dbNow, "heartbeatTimeoutMs")}),
        available_at = LEAST(${plusOptionMs(sql`attempt_started_at`, "startToCloseMs")}, ${plusOptionMs(dbNow, "heartbeatTimeoutMs")}),
        updated_at = ${dbNow}
      WHERE task_id = ${task.task_id}::uuid`.execute(tx);
  });
}
