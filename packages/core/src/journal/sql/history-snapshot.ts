import { sql } from "kysely";
import type { StepCommit } from "../journal-types.ts";
import type { Encoded, HistoryEvent } from "../../model/index.ts";
import { toHistoryEvent, type EventRow } from "./rows.ts";
import type { SqlExecutor } from "./sql-fragments.ts";

// History snapshots (WorkflowOptions.snapshots): the run's history 1..seq packed into one row of
// continuum.history_snapshots, as a JSON array of [seq, kind, body, at_ms]. Replay needs every
// recorded result, so a snapshot is the history itself, compacted: a cold rebuild reads one
// row and the tail instead of one row per event (fewer rows, index probes and round trips, not
// fewer bytes). Each body is spliced in as its stored json text, so what the rebuild decodes is
// what reading the events one by one would have.

/** Whether a step of `commit` takes the history across a multiple of its `snapshotEvery`. */
export function crossesSnapshot(commit: StepCommit): boolean {
  const every = commit.snapshotEvery;
  if (every === undefined || commit.events.length === 0) return false;
  return Math.floor(commit.lastSeq / every) < Math.floor((commit.lastSeq + commit.events.length) / every);
}

/**
 * Writes the snapshot of `runId` up to `upTo`, inside the step's transaction (after its events,
 * under the run row lock the step's compare-and-set took: fenced like the step). Incremental:
 * the previous snapshot's text plus the events after it, so each write reads `every` events,
 * not the whole history; the previous snapshot is then deleted (one row per run).
 */
export async function writeHistorySnapshot(
  tx: SqlExecutor,
  runId: string,
  historyMonth: string,
  upTo: number,
): Promise<void> {
  await sql`
    WITH prev AS (
      SELECT seq, state::text AS state FROM continuum.history_snapshots
      WHERE run_id = ${runId} AND seq < ${upTo} ORDER BY seq DESC LIMIT 1),
    tail AS (
      SELECT string_agg(json_build_array(e.seq, e.kind, e.body, round(extract(epoch FROM e.at) * 1000))::text, ',' ORDER BY e.seq) AS items
      FROM continuum.events e
      WHERE e.run_id = ${runId} AND e.history_month = ${historyMonth}::date
        AND e.seq > coalesce((SELECT seq FROM prev), 0) AND e.seq <= ${upTo}),
    ins AS (
      INSERT INTO continuum.history_snapshots (run_id, seq, state, created_at)
      SELECT ${runId}, ${upTo},
        (CASE WHEN prev.state IS NULL THEN '[' || tail.items || ']'
              ELSE left(prev.state, -1) || ',' || tail.items || ']' END)::json,
        continuum.now()
      FROM tail LEFT JOIN prev ON true
      ON CONFLICT (run_id, seq) DO NOTHING)
    DELETE FROM continuum.history_snapshots WHERE run_id = ${runId} AND seq < ${upTo}`.execute(tx);
}

type SnapshotItem = [number, string, Record<string, Encoded>, number | string];

/**
 * History after `afterSeq`: the newest snapshot (when one covers more than `afterSeq`) and the
 * events after it, in one statement; without a snapshot, the events as before (one extra index
 * probe on an empty table). A snapshot that does not hold exactly seq 1..its seq is ignored.
 */
export async function readHistoryWithSnapshot(
  db: SqlExecutor,
  runId: string,
  afterSeq: number,
): Promise<HistoryEvent[]> {
  const result = await sql<EventRow & { snap_seq: number | null; snap: SnapshotItem[] | null }>`
    WITH s AS (
      SELECT seq, state FROM continuum.history_snapshots
      WHERE run_id = ${runId} AND seq > ${afterSeq} ORDER BY seq DESC LIMIT 1)
    SELECT NULL::int AS seq, NULL::text AS kind, NULL::json AS body, NULL::timestamptz AS at, s.seq AS snap_seq, s.state AS snap FROM s
    UNION ALL
    (SELECT e.seq, e.kind, e.body, e.at, NULL, NULL FROM continuum.events e
     WHERE e.run_id = ${runId} AND e.seq > greatest(${afterSeq}::int, coalesce((SELECT seq FROM s), 0))
       AND e.history_month = (SELECT history_month FROM continuum.runs WHERE run_id = ${runId})
     ORDER BY e.seq)`.execute(db);
  const [first, ...rest] = result.rows;
  if (first === undefined || first.snap_seq === null) return result.rows.map(toHistoryEvent);
  const packed = first.snap ?? [];
  const intact = packed.length === first.snap_seq && packed.every((item, i) => item[0] === i + 1);
  if (!intact) {
    // Never trust a snapshot that disagrees with itself: read the events one by one.
    const plain = await sql<EventRow>`
      SELECT e.seq, e.kind, e.body, e.at FROM continuum.events e
      WHERE e.run_id = ${runId} AND e.seq > ${afterSeq}
        AND e.history_month = (SELECT history_month FROM continuum.runs WHERE run_id = ${runId})
      ORDER BY e.seq`.execute(db);
    return plain.rows.map(toHistoryEvent);
  }
  const fromSnapshot = packed
    .slice(afterSeq)
    .map(([seq, kind, body, at]) => ({ kind, ...body, seq, at: Number(at) }) as unknown as HistoryEvent);
  return [...fromSnapshot, ...rest.map(toHistoryEvent)];
}
