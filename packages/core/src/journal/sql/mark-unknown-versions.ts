import { sql } from "kysely";
import type { MarkUnknownVersionsRequest, RunRecord } from "../journal.ts";
import { versionList } from "./claim-runs.ts";
import { runColumns, toRunRecord, type RunRow } from "./rows.ts";
import { dbNow, inList, msInterval, type SqlExecutor } from "./sql-fragments.ts";

/**
 * markUnknownVersions: sets ready, unleased runs whose workflow the caller knows by name but
 * not by version hash to `stuck_unknown_version`, once they have waited `waitingForMs`.
 *
 * The waiting time is measured from the run's oldest undelivered inbox item (`ready_since` is
 * that item's id) or, for a run never stepped, from its last update: a run that an engine with
 * its hash would take within one poll never waits that long. Candidates come from the
 * runs_ready_idx walk, locked FOR NO KEY UPDATE SKIP LOCKED so a concurrent claim or commit wins
 * and the run is simply not marked this round. `ready_since` is left as it is, so the run stays
 * claimable by an engine that has its exact version (claimRuns with workflowVersions).
 */
export async function markUnknownVersions(
  db: SqlExecutor,
  request: MarkUnknownVersionsRequest,
): Promise<RunRecord[]> {
  if (request.known.length === 0 || request.limit <= 0) return [];
  const names = [...new Set(request.known.map((ref) => ref.workflowName))];
  const result = await sql<RunRow>`
    UPDATE continuum.runs AS r SET status = 'stuck_unknown_version', updated_at = ${dbNow}
    FROM (
      SELECT c.run_id FROM continuum.runs c
      WHERE c.ready_since IS NOT NULL
        AND c.status = 'running'
        ${request.namespace === undefined ? sql`` : sql`AND c.namespace = ${request.namespace}`}
        AND c.workflow_name IN ${inList(names)}
        AND (c.workflow_name, c.version_hash) NOT IN ${versionList(request.known)}
        AND (c.lease_owner IS NULL OR c.lease_expires_at <= ${dbNow})
        AND coalesce((SELECT i.received_at FROM continuum.inbox i WHERE i.id = c.ready_since), c.updated_at)
            <= ${dbNow} - ${msInterval(request.waitingForMs)}
      ORDER BY c.ready_since
      LIMIT ${request.limit}
      FOR NO KEY UPDATE SKIP LOCKED
    ) AS candidate
    WHERE r.run_id = candidate.run_id
    RETURNING ${runColumns}`.execute(db);
  return result.rows.map(toRunRecord);
}
