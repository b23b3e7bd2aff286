import { sql, type RawBuilder } from "kysely";
import type { ClaimRunsRequest, RunClaim, WorkflowVersionRef } from "../journal.ts";
import { runColumns, toInboxItem, toRunRecord, type InboxRow, type RunRow } from "./rows.ts";
import { dbNow, inList, msInterval, toMs, type SqlExecutor } from "./sql-fragments.ts";

/**
 * claimRuns: leases up to `limit` ready runs for `owner`, those ready longest first (an index
 * scan over runs_ready_idx: the cost does not grow with the number of waiting runs).
 *
 * Locking: one UPDATE whose candidate subquery takes the run rows FOR NO KEY UPDATE SKIP
 * LOCKED, so concurrent claimers split the ready runs between them instead of queueing on the
 * same rows, and a row being committed by its lease holder (commitStep) is simply skipped this
 * round. The lease test (free, expired, or already ours) uses the database clock. Taking a
 * lease that is not live (nobody's, or expired, even our own) bumps the fencing token in the same
 * statement, which is what fences the previous holder's late writes. The inbox is read by the
 * same statement (one round trip) when that statement's snapshot is the run row it locked; when
 * a writer committed between the two (a delivery, or a step of the previous holder, which may
 * have delivered items the snapshot still shows), the inbox is read again in a second
 * statement, so a claim never reports an item already delivered nor misses one that arrived. Runs deferred by a
 * release (`not_before` in the future) and the caller's `exclude` list (its in-flight steps)
 * are filtered on the same index scan.
 */
export async function claimRuns(db: SqlExecutor, request: ClaimRunsRequest): Promise<RunClaim[]> {
  if (request.limit <= 0 || (request.workflowNames !== undefined && request.workflowNames.length === 0))
    return [];
  if (request.workflowVersions !== undefined && request.workflowVersions.length === 0) return [];
  if (request.namespaces !== undefined && request.namespaces.length === 0) return [];
  const byNamespace =
    request.namespaces !== undefined
      ? sql`AND namespace IN ${inList(request.namespaces)}`
      : request.namespace === undefined
        ? sql``
        : sql`AND namespace = ${request.namespace}`;
  const byName =
    request.workflowNames === undefined ? sql`` : sql`AND workflow_name IN ${inList(request.workflowNames)}`;
  const byVersion =
    request.workflowVersions === undefined
      ? sql``
      : sql`AND (workflow_name, version_hash) IN ${versionList(request.workflowVersions)}`;
  const notExcluded =
    request.exclude === undefined || request.exclude.length === 0
      ? sql``
      : sql`AND run_id NOT IN ${inList(request.exclude)}`;
  // Content-addressed dispatch: a claimer that names exact versions has this run's code, so a
  // run marked stuck_unknown_version (by an engine that lacked it) is running again.
  const unstick =
    request.workflowVersions === undefined
      ? sql``
      : sql`status = CASE WHEN r.status = 'stuck_unknown_version' THEN 'running' ELSE r.status END,`;
  const claimed = await sql<
    RunRow & {
      now: Date;
      ready_since: number | string;
      run_version: string;
      inbox_current: boolean;
      inbox: InboxRow[] | string;
      in_process_calls: string[] | null;
    }
  >`
    WITH claimed AS (
      UPDATE continuum.runs AS r SET
        ${unstick}
        fencing_token = CASE WHEN r.lease_owner = ${request.owner} AND r.lease_expires_at > ${dbNow}
                             THEN r.fencing_token ELSE r.fencing_token + 1 END,
        lease_owner = ${request.owner},
        lease_expires_at = ${dbNow} + ${msInterval(request.leaseMs)}
      FROM (
        SELECT run_id, ready_since, xmin AS locked_version FROM continuum.runs
        WHERE ready_since IS NOT NULL
          AND (lease_owner IS NULL OR lease_owner = ${request.owner} OR lease_expires_at <= ${dbNow})
          AND (not_before IS NULL OR not_before <= ${dbNow})
          ${notExcluded}
          ${byNamespace}
          ${byName}
          ${byVersion}
        ORDER BY ready_since
        LIMIT ${request.limit}
        FOR NO KEY UPDATE SKIP LOCKED
      ) AS candidate
      WHERE r.run_id = candidate.run_id
      RETURNING ${runColumns}, ${dbNow} AS now, candidate.ready_since, r.xmin::text AS run_version, candidate.locked_version,
                r.in_process_calls
    )
    SELECT c.*,
      -- The row as this statement's snapshot saw it is the one it locked: the snapshot's inbox
      -- is the run's inbox. Otherwise a writer committed in between (a delivery, a step of the
      -- previous holder), and the inbox is read again below.
      (SELECT s.xmin FROM continuum.runs AS s WHERE s.run_id = c.run_id) IS NOT DISTINCT FROM c.locked_version AS inbox_current,
      (SELECT coalesce(json_agg(json_build_object('id', i.id, 'run_id', i.run_id, 'kind', i.kind, 'body', i.body, 'received_at', i.received_at) ORDER BY i.id), '[]'::json)
       FROM continuum.inbox AS i WHERE i.run_id = c.run_id) AS inbox
    FROM claimed AS c
    ORDER BY c.ready_since`.execute(db);
  const moved = claimed.rows.filter((row) => row.inbox_current !== true).map((row) => row.run_id);
  const reread = moved.length === 0 ? [] : await readInboxes(db, moved);
  return claimed.rows.map((row) => {
    const run = toRunRecord(row);
    const inbox =
      row.inbox_current !== true
        ? reread.filter((item) => item.run_id === row.run_id)
        : typeof row.inbox === "string"
          ? (JSON.parse(row.inbox) as InboxRow[])
          : row.inbox;
    return {
      lease: { runId: run.runId, owner: request.owner, fencingToken: run.fencingToken },
      leaseExpiresAt: run.leaseExpiresAt as number,
      run,
      inbox: inbox.map(toInboxItem),
      now: toMs(row.now),
      runVersion: row.run_version,
      ...(row.in_process_calls === null || row.in_process_calls.length === 0
        ? {}
        : { inProcessCalls: row.in_process_calls }),
    };
  });
}

/**
 * The inboxes of runs this claim leased, read in a statement of their own (a fresh snapshot):
 * for runs whose row changed between the claim statement's snapshot and its lock. Items that
 * arrive after this read make the run ready again; none can be removed, the lease being ours.
 */
async function readInboxes(db: SqlExecutor, runIds: readonly string[]): Promise<InboxRow[]> {
  const found = await sql<InboxRow>`
    SELECT id, run_id, kind, body, received_at FROM continuum.inbox
    WHERE run_id IN ${inList(runIds)} ORDER BY id`.execute(db);
  return found.rows;
}

/** `((name, hash), ...)` for a non-empty list of workflow versions, for a row-value `IN`. */
export function versionList(versions: readonly WorkflowVersionRef[]): RawBuilder<unknown> {
  return sql`(${sql.join(versions.map((v) => sql`(${v.workflowName}::text, ${v.versionHash}::text)`))})`;
}
