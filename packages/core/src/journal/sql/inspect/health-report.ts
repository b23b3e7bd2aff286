import { sql, type RawBuilder } from "kysely";
import type { RunStatus, SerializedError } from "../../../model/index.ts";
import type {
  AgeBucket,
  Finding,
  FindingRun,
  FindingTask,
  FindingTimer,
  HealthRecord,
  HealthRequest,
} from "../../journal-inspector.ts";
import { ageBucketBounds } from "../../age-bucket.ts";
import { sampleLimit, staleAfter } from "../../inspector-limits.ts";
import { fromEpochMs, toMs, type SqlExecutor } from "../sql-fragments.ts";
import { countRuns } from "./inspect-runs.ts";
import { inspectWorkflows } from "./inspect-workflows.ts";

// Locking: read-only statements, no locks; each finding is one statement (its count and its
// sample together, `count(*) OVER ()`, LIMIT the sample), so findings may come from slightly
// different snapshots.
// Every statement starts from an index: runs_ready_idx (unclaimed), runs_status_idx (idle,
// expired leases, ages), timers_due_idx (overdue), tasks_running_idx (expired attempts); dead
// letters scan the failed tasks. All times are the journal clock read once at the start.

interface RunRefRow {
  run_id: string;
  workflow_id: string;
  workflow_name: string;
  version_hash: string;
  status: RunStatus;
  since: Date;
  total: string | number;
}

/** The health report (see HealthRecord), computed by the database. */
export async function healthReport(db: SqlExecutor, request: HealthRequest = {}): Promise<HealthRecord> {
  const nowRow = await sql<{ now: Date }>`SELECT continuum.now() AS now`.execute(db);
  const now = toMs((nowRow.rows[0] as { now: Date }).now);
  const stale = staleAfter(request.staleAfterMs);
  const limit = sampleLimit(request.sampleLimit);
  // One row at least, so that the window count comes back even when no sample is wanted.
  const rows = Math.max(1, limit);
  const at = fromEpochMs(now);
  const cutoff = fromEpochMs(now - stale);
  const ns = request.namespace === undefined ? sql`` : sql`AND r.namespace = ${request.namespace}`;

  const runFinding = async (since: RawBuilder<unknown>, where: RawBuilder<unknown>) => {
    const result = await sql<RunRefRow>`
      SELECT f.*, count(*) OVER () AS total FROM (
        SELECT r.run_id, r.workflow_id, r.workflow_name, r.version_hash, r.status, ${since} AS since
        FROM continuum.runs r WHERE ${where} ${ns}) AS f
      WHERE f.since <= ${cutoff}
      ORDER BY f.since, f.run_id COLLATE "C"
      LIMIT ${rows}`.execute(db);
    return finding(result.rows, result.rows.map(toRunRef), limit);
  };
  const waitingSince = sql`COALESCE((SELECT min(i.received_at) FROM continuum.inbox i WHERE i.run_id = r.run_id), r.updated_at)`;

  const unclaimedReadyRuns = await runFinding(
    waitingSince,
    sql`r.ready_since IS NOT NULL AND r.status = 'running'
      AND (r.lease_owner IS NULL OR r.lease_expires_at <= ${at})
      AND (r.not_before IS NULL OR r.not_before <= ${at})`,
  );
  const idleRuns = await runFinding(
    sql`r.updated_at`,
    sql`r.status = 'running' AND r.ready_since IS NULL
      AND NOT EXISTS (SELECT 1 FROM continuum.timers t WHERE t.run_id = r.run_id)
      AND NOT EXISTS (SELECT 1 FROM continuum.tasks k WHERE k.run_id = r.run_id AND k.status IN ('pending', 'running'))
      AND NOT EXISTS (SELECT 1 FROM continuum.runs c WHERE c.parent_run_id = r.run_id
                      AND c.status IN ('running', 'stuck_unknown_version'))`,
  );
  const expiredRunLeases = await runFinding(
    sql`r.lease_expires_at`,
    sql`r.status IN ('running', 'stuck_unknown_version') AND r.lease_owner IS NOT NULL AND r.lease_expires_at IS NOT NULL`,
  );
  const overdue = await sql<{ run_id: string; identity: string; fire_at: Date; total: string | number }>`
    SELECT t.run_id, t.identity, t.fire_at, count(*) OVER () AS total
    FROM continuum.timers t JOIN continuum.runs r ON r.run_id = t.run_id
    WHERE t.fire_at <= ${cutoff} ${ns}
    ORDER BY t.fire_at, t.run_id COLLATE "C", t.identity COLLATE "C"
    LIMIT ${rows}`.execute(db);
  const overdueTimers = finding(
    overdue.rows,
    overdue.rows.map((row): FindingTimer => ({
      runId: row.run_id,
      identity: row.identity,
      fireAt: toMs(row.fire_at),
    })),
    limit,
  );
  const taskFinding = async (since: string, where: RawBuilder<unknown>, order: RawBuilder<unknown>) => {
    const result = await sql<{
      task_id: string;
      run_id: string;
      activity_name: string;
      attempt: number;
      since: Date;
      last_error: SerializedError | null;
      total: string | number;
    }>`
      SELECT k.task_id::text AS task_id, k.run_id, k.activity_name, k.attempt, ${sql.ref(`k.${since}`)} AS since,
        k.last_error, count(*) OVER () AS total
      FROM continuum.tasks k JOIN continuum.runs r ON r.run_id = k.run_id
      WHERE ${where} ${ns}
      ORDER BY ${order}
      LIMIT ${rows}`.execute(db);
    return finding(
      result.rows,
      result.rows.map((row): FindingTask => ({
        taskId: row.task_id,
        runId: row.run_id,
        activityName: row.activity_name,
        attempt: Number(row.attempt),
        since: toMs(row.since),
        ...(row.last_error === null ? {} : { lastError: row.last_error }),
      })),
      limit,
    );
  };
  const expired = await taskFinding(
    "deadline",
    sql`k.status = 'running' AND k.deadline <= ${cutoff}`,
    sql`k.deadline, k.task_id::text COLLATE "C"`,
  );
  // A running attempt's last error is of an earlier attempt: the finding is about this one.
  const expiredTaskLeases = { ...expired, sample: expired.sample.map(({ lastError: _e, ...rest }) => rest) };
  const deadLetters = await taskFinding(
    "finished_at",
    sql`k.status = 'failed'`,
    sql`k.finished_at DESC, k.task_id::text COLLATE "C" DESC`,
  );

  const ages = await sql<{
    status: "running" | "stuck_unknown_version";
    bucket: AgeBucket;
    n: string | number;
  }>`
    SELECT r.status, CASE
        WHEN r.created_at > ${at} - ${ms(ageBucketBounds["1m"])} THEN '1m'
        WHEN r.created_at > ${at} - ${ms(ageBucketBounds["1h"])} THEN '1h'
        WHEN r.created_at > ${at} - ${ms(ageBucketBounds["1d"])} THEN '1d'
        WHEN r.created_at > ${at} - ${ms(ageBucketBounds["7d"])} THEN '7d'
        ELSE 'older' END AS bucket, count(*) AS n
    FROM continuum.runs r WHERE r.status IN ('running', 'stuck_unknown_version') ${ns}
    GROUP BY 1, 2`.execute(db);
  const openRunAges = { running: buckets(), stuck_unknown_version: buckets() };
  for (const row of ages.rows) openRunAges[row.status][row.bucket] = Number(row.n);

  const schema = await sql<{ version: number | null }>`
    SELECT max(version) AS version FROM continuum.schema_migrations`.execute(db);
  const schemaVersion = schema.rows[0]?.version;
  const partitions = await sql<{ monthly: number; default_rows: number }>`
    SELECT (SELECT count(*)::int FROM pg_inherits WHERE inhparent = to_regclass('continuum.events')) - 1 AS monthly,
      (SELECT count(*)::int FROM (SELECT 1 FROM continuum.events_default LIMIT 100001) d) AS default_rows`.execute(
    db,
  );
  return {
    now,
    staleAfterMs: stale,
    runsByStatus: await countRuns(
      db,
      request.namespace === undefined ? {} : { namespace: request.namespace },
    ),
    openRunAges,
    unclaimedReadyRuns,
    idleRuns,
    overdueTimers,
    expiredRunLeases,
    expiredTaskLeases,
    deadLetters,
    unknownVersions: await inspectWorkflows(db, request.namespace, sql`r.status = 'stuck_unknown_version'`),
    ...(schemaVersion === null || schemaVersion === undefined
      ? {}
      : { schemaVersion: Number(schemaVersion) }),
    historyPartitions: {
      monthly: partitions.rows[0]!.monthly,
      defaultRows: partitions.rows[0]!.default_rows,
    },
  };
}

function ms(value: number): RawBuilder<unknown> {
  return sql`(${value}::bigint * interval '1 millisecond')`;
}

function buckets(): Record<AgeBucket, number> {
  return { "1m": 0, "1h": 0, "1d": 0, "7d": 0, older: 0 };
}

function toRunRef(row: RunRefRow): FindingRun {
  return {
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowName: row.workflow_name,
    versionHash: row.version_hash,
    status: row.status,
    since: toMs(row.since),
  };
}

/** A finding from rows that carry the total count of their statement (`count(*) OVER ()`). */
function finding<T>(
  rows: readonly { total: string | number }[],
  items: readonly T[],
  limit: number,
): Finding<T> {
  return { count: Number(rows[0]?.total ?? 0), sample: items.slice(0, limit) };
}
