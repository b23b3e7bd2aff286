import { sql } from "kysely";
import type { UnservedWorkflow, UnservedWorkflowsRequest } from "../journal.ts";
import { dbNow, inList, msInterval, type SqlExecutor } from "./sql-fragments.ts";

/**
 * listUnservedWorkflows: ready runs of workflows the caller does not register, counted per
 * (namespace, workflow name). Read-only and lock-free (a plain snapshot read): it only feeds a
 * warning, so a run claimed while it runs may still be counted once. The ready-runs walk
 * (`ready_since IS NOT NULL`, the runs_ready_idx partial index) bounds it to the ready set;
 * waiting time is measured as markUnknownVersions measures it.
 */
export async function listUnservedWorkflows(
  db: SqlExecutor,
  request: UnservedWorkflowsRequest,
): Promise<UnservedWorkflow[]> {
  if (request.limit <= 0) return [];
  const result = await sql<{ namespace: string; workflow_name: string; runs: number | string }>`
    SELECT c.namespace, c.workflow_name, count(*) AS runs FROM continuum.runs c
    WHERE c.ready_since IS NOT NULL
      AND c.status = 'running'
      ${request.namespace === undefined ? sql`` : sql`AND c.namespace = ${request.namespace}`}
      ${request.registered.length === 0 ? sql`` : sql`AND c.workflow_name NOT IN ${inList(request.registered)}`}
      AND (c.not_before IS NULL OR c.not_before <= ${dbNow})
      AND (c.lease_owner IS NULL OR c.lease_expires_at <= ${dbNow})
      AND coalesce((SELECT i.received_at FROM continuum.inbox i WHERE i.id = c.ready_since), c.updated_at)
          <= ${dbNow} - ${msInterval(request.waitingForMs)}
    GROUP BY c.namespace, c.workflow_name
    ORDER BY c.namespace, c.workflow_name
    LIMIT ${request.limit}`.execute(db);
  return result.rows.map((row) => ({
    namespace: row.namespace,
    workflowName: row.workflow_name,
    runs: Number(row.runs),
  }));
}
