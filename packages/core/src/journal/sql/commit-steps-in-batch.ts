import { sql } from "./sql-template.ts";
import { isTerminal } from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { StepCommit, StepCommitResult } from "../journal.ts";
import { splitEvent } from "./rows.ts";
import { crossesSnapshot } from "./history-snapshot.ts";
import { attributeUpdatesOf } from "../attribute-updates.ts";
import { inProcessChange, inProcessClaim, runsInProcess } from "../in-process-attempts.ts";
import { fitsOneStatement } from "./commit-step-in-one-statement.ts";
import { channelOf, dbNow, terminalList, toMs, type SqlExecutor } from "./sql-fragments.ts";

/** A step {@link commitStepsInBatch} can take: see {@link fitsBatch}. */
export type BatchableStep = StepCommit & { runVersion: string };

/**
 * Whether a step can go into a batch of many runs' steps (group commit): a step of the one-
 * statement form that writes only its run row and its events. Its new activity calls are
 * in-process attempts and the ones it finishes are too (no task rows); it sets no timer, takes
 * nothing from the inbox, writes no snapshot and no search attribute. Such steps are most of
 * a busy engine's steps: every step of a workflow of activities run by the engine that holds it.
 */
export function fitsBatch(db: SqlExecutor, commit: StepCommit): commit is BatchableStep {
  if (!fitsOneStatement(db, commit)) return false;
  const terminal = isTerminal(commit.run.status);
  return (
    // A lease that JSON cannot carry is left to the one-run path, which refuses it.
    (commit.leaseMs === undefined || Number.isFinite(commit.leaseMs)) &&
    commit.timers.length === 0 &&
    commit.delivered.length === 0 &&
    commit.tasks.every((task) => runsInProcess(task, commit.lease.owner, terminal)) &&
    (commit.finishTasks ?? []).every((f) => f.claim.inProcess === true) &&
    !crossesSnapshot(commit) &&
    attributeUpdatesOf(commit.events) === undefined
  );
}

/** One step as the batch statement reads it (a row of its first json parameter). */
interface StepInput {
  /** The step's place in the batch: results and events are matched by it, not by run. */
  readonly k: number;
  readonly run_id: string;
  readonly version: string;
  readonly token: number;
  readonly owner: string;
  readonly last_seq: number;
  readonly new_last_seq: number;
  readonly status: string;
  readonly terminal: boolean;
  /** JSON text (a result may itself be JSON null, which a nested value could not tell from none). */
  readonly result: string | null;
  readonly error: string | null;
  /** Extend the lease by this many ms; null keeps it. */
  readonly lease_ms: number | null;
  readonly require_empty: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** One event as the batch statement reads it (a row of its second json parameter). */
interface EventInput {
  readonly k: number;
  readonly seq: number;
  readonly kind: string;
  readonly body: Record<string, unknown>;
}

/** The run's in-process calls after the step: its list, less those it finished, plus those it started. */
const callsAfter = sql`(CASE WHEN cardinality(i.added) = 0 AND cardinality(i.removed) = 0 THEN r.in_process_calls
  ELSE (SELECT array_agg(c) FROM (SELECT unnest(r.in_process_calls) AS c UNION ALL SELECT unnest(i.added)) AS calls
        WHERE c <> ALL (i.removed)) END)`;

/**
 * The statement, for steps and events as json texts. Its text never changes, so it is parsed
 * and planned once per connection (exported for its plan test).
 */
export const batchStatement = (steps: string, events: string) => sql<{
  k: number;
  run_version: string;
  ready: boolean;
  now: Date;
  hints: number;
}>`
  WITH steps AS (
    -- One row per step. The filter is always true, but the planner cannot know it and expects
    -- one row, so that the run row is planned as one probe by its key per step. Planned for
    -- more, a generic plan made on a new database (where PostgreSQL assumes ten pages a table)
    -- hashes the whole runs table instead, and the cached plan keeps doing so as it grows.
    SELECT i.* FROM unnest(ARRAY(SELECT json_array_elements(${steps}::text::json))) AS s,
      json_to_record(s) AS i(
        k integer, run_id text, version text, token bigint, owner text, last_seq bigint, new_last_seq bigint,
        status text, terminal boolean, result text, error text, lease_ms bigint, require_empty boolean,
        added text[], removed text[])
    WHERE json_typeof(s) = 'object'
  ),
  -- What each step needs to know of its run's other rows, read before the join (materialized,
  -- so that it does not weigh on how the join is planned), each a probe by an index: min() of
  -- an indexed column.
  -- The run row's version check below makes this snapshot's inbox the one the step assumed.
  input AS MATERIALIZED (
    SELECT i.*,
      -- The oldest item in the inbox (NULL: none).
      (SELECT min(b.id) FROM continuum.inbox AS b WHERE b.run_id = i.run_id) AS first,
      -- A final step is batched only for a run with nothing left to drop (no waiting task, no
      -- timer, an empty inbox) and no children to close; any other ends the long way
      -- (endCleanup, the parent's lock first).
      NOT i.terminal OR (
        (SELECT min(c.run_id) FROM continuum.runs AS c WHERE c.parent_run_id = i.run_id
           AND c.parent_close_policy = 'cancel' AND c.status NOT IN ${terminalList}) IS NULL
        AND (SELECT min(k.identity) FROM continuum.tasks AS k WHERE k.run_id = i.run_id
               AND k.status = 'pending' AND NOT k.detached) IS NULL
        AND (SELECT min(t.identity) FROM continuum.timers AS t WHERE t.run_id = i.run_id) IS NULL
        AND (SELECT min(b.id) FROM continuum.inbox AS b WHERE b.run_id = i.run_id) IS NULL) AS may_end
    FROM steps AS i
  ),
  run_updated AS (
    UPDATE continuum.runs AS r SET
      updated_at = ${dbNow},
      status = i.status,
      result = i.result::json,
      error = i.error::json,
      last_seq = i.new_last_seq,
      -- The eager window (commit-step-in-one-statement.ts): a non-final step that renews the
      -- lease leaves both columns as they are while the run has nothing to do, so the update
      -- stays HOT. A batched step takes nothing from the inbox, so what is left is all of it.
      not_before = CASE WHEN NOT i.terminal AND i.lease_ms IS NOT NULL
                          AND r.not_before > ${dbNow} AND r.ready_since IS NOT NULL
                          AND f.first IS NULL THEN r.not_before END,
      ready_since = CASE WHEN NOT i.terminal AND i.lease_ms IS NOT NULL
                           AND r.not_before > ${dbNow} AND r.ready_since IS NOT NULL
                           AND f.first IS NULL THEN r.ready_since ELSE f.first END,
      finished_at = CASE WHEN i.terminal THEN ${dbNow} END,
      lease_owner = CASE WHEN i.terminal THEN NULL ELSE r.lease_owner END,
      lease_expires_at = CASE WHEN i.terminal THEN NULL
                              WHEN i.lease_ms IS NULL THEN r.lease_expires_at
                              ELSE ${dbNow} + i.lease_ms * interval '1 millisecond' END,
      -- Unindexed; has_in_process (an index predicate) keeps its value unless the list empties or fills.
      in_process_calls = CASE WHEN i.terminal THEN NULL ELSE ${callsAfter} END,
      has_in_process = CASE WHEN i.terminal THEN false ELSE ${callsAfter} IS NOT NULL END
    FROM input AS i
      -- The oldest item left in the inbox (NULL: none). A final step, or one that assumed an
      -- empty inbox (checked below), leaves none.
      -- The oldest item left in the inbox (NULL: none). A final step, or one that assumed an
      -- empty inbox (checked below), leaves none.
      CROSS JOIN LATERAL (SELECT CASE WHEN i.terminal OR i.require_empty THEN NULL ELSE i.first END AS first) AS f
    WHERE r.run_id = i.run_id
      AND r.xmin = i.version::xid
      AND r.fencing_token = i.token
      AND r.lease_owner = i.owner
      AND r.last_seq = i.last_seq
      AND r.status NOT IN ${terminalList}
      -- The in-process attempts it finishes are still the run's (not persisted or re-issued).
      AND COALESCE(r.in_process_calls @> i.removed, cardinality(i.removed) = 0)
      -- The inbox the step assumed: empty.
      AND (NOT i.require_empty OR r.ready_since IS NULL OR i.first IS NULL)
      -- A final step ends here only for a run with no parent to report to (see may_end).
      AND (NOT i.terminal OR (r.parent_run_id IS NULL AND i.may_end))
    RETURNING i.k, r.run_id, r.history_month, i.terminal, f.first IS NOT NULL AS ready, r.xmin::text AS run_version
  ),
  new_events AS (
    INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
    SELECT u.run_id, u.history_month, e.seq, e.kind, e.body, ${dbNow}
    FROM json_to_recordset(${events}::text::json) AS e(k integer, seq bigint, kind text, body json)
      JOIN run_updated AS u ON u.k = e.k
  ),
  hints AS (
    SELECT pg_notify(${channelOf(NotifyTopic.runFinished)}, run_id) FROM run_updated WHERE terminal
    UNION ALL
    SELECT pg_notify(${channelOf(NotifyTopic.runReady)}, run_id) FROM run_updated WHERE NOT terminal AND ready
  )
  SELECT u.k, u.run_version, u.ready, ${dbNow} AS now, (SELECT count(*) FROM hints)::int AS hints
  FROM run_updated AS u`;

/**
 * Group commit: many runs' steps (each {@link fitsBatch}) in one autocommit statement, so a busy
 * engine pays one round trip, one executor setup and one WAL flush for all of them instead of
 * one each. Returns, in the order of `steps`, each step's result, or undefined for a step that
 * wrote nothing (its run row moved on, or it needs the long path): the caller commits that one
 * alone, which reaches the same outcome or throws the precise error, exactly as when
 * commitStepInOneStatement declines.
 *
 * Each step is checked on its own run row exactly as commitStepInOneStatement checks it
 * (version, token, owner, position, in-process calls, inbox, parent, children), and its events
 * and hints are joined to its row having been updated, so one refused step writes nothing and
 * takes nothing from the others. A final step is taken only when its run has nothing to drop
 * (endCleanup would find nothing); otherwise it is declined and ends alone. The statement's
 * text is the same for any batch (steps and events are two json parameters), so the server
 * plans it once, and every read in it is a probe by an index (see the statement).
 *
 * Locking: the UPDATE takes each run row's lock and, if a concurrent writer got there first,
 * re-checks the conditions on the newest version (READ COMMITTED): that version has another
 * xmin, so the step is declined, as the one-run form's version check declines it. Rows are
 * locked in run id order (see below). Two steps of one run in one batch (possible only with
 * two engines on one journal object) update the row once: results and events are matched by
 * the step's place in the batch, so the other step is declined and writes nothing.
 */
export async function commitStepsInBatch(
  db: SqlExecutor,
  steps: readonly BatchableStep[],
): Promise<(StepCommitResult | undefined)[]> {
  const inputs: StepInput[] = [];
  const events: EventInput[] = [];
  steps.forEach((commit, k) => {
    const terminal = isTerminal(commit.run.status);
    const change = inProcessChange(commit, terminal);
    inputs.push({
      k,
      run_id: commit.lease.runId,
      version: commit.runVersion,
      token: commit.lease.fencingToken,
      owner: commit.lease.owner,
      last_seq: commit.lastSeq,
      new_last_seq: commit.lastSeq + commit.events.length,
      status: commit.run.status,
      terminal,
      result: commit.run.result === undefined ? null : JSON.stringify(commit.run.result),
      error: commit.run.error === undefined ? null : JSON.stringify(commit.run.error),
      lease_ms: terminal || commit.leaseMs === undefined ? null : Math.round(commit.leaseMs),
      require_empty: commit.requireEmptyInbox === true,
      added: change.added,
      removed: change.removed,
    });
    commit.events.forEach((event, i) => {
      const { kind, body } = splitEvent(event);
      events.push({ k, seq: commit.lastSeq + i + 1, kind, body });
    });
  });
  // Run rows are locked in run id order, the order renewRunLeases passes an engine's runs in
  // too (run-leases.ts), so a batch and a renewal do not wait on each other in a cycle.
  inputs.sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : a.k - b.k));
  const written = await batchStatement(JSON.stringify(inputs), JSON.stringify(events)).execute(db);
  // By place, not by run: should two steps of one run share a batch (two engines on one
  // journal, one of them fenced off), the row takes one of them and the other is refused.
  const byPlace = new Map(written.rows.map((row) => [row.k, row]));
  return steps.map((commit, k) => {
    const row = byPlace.get(k);
    if (row === undefined) return undefined;
    const now = toMs(row.now);
    const terminal = isTerminal(commit.run.status);
    const claimedTasks = commit.tasks
      .filter((task) => runsInProcess(task, commit.lease.owner, terminal))
      .map((task) => inProcessClaim(commit.lease.runId, task, now));
    const ready = !terminal && row.ready;
    return {
      lastSeq: commit.lastSeq + commit.events.length,
      now,
      runVersion: row.run_version,
      ...(ready ? { ready } : {}),
      ...(claimedTasks.length === 0 ? {} : { claimedTasks }),
    };
  });
}
