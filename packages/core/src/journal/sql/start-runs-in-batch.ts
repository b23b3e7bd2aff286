import { sql } from "./sql-template.ts";
import type { FirstStepStart, StartRunRequest, StartRunResult } from "../journal.ts";
import { firstStepStartOf } from "../first-step-start.ts";
import { inProcessClaim, runsInProcess } from "../in-process-attempts.ts";
import { attributeUpdatesOf } from "../attribute-updates.ts";
import { crossesSnapshot } from "./history-snapshot.ts";
import { runColumns, splitEvent, toRunRecord } from "./rows.ts";
import type { StartedRow } from "./start-run.ts";
import { dbNow, toMs, type SqlExecutor } from "./sql-fragments.ts";

/**
 * The start as a batchable one (see {@link startRunsInBatch}), or undefined. A start that
 * carries its first step (an eager start: what an engine's client does for a workflow it
 * serves) whose step keeps the run and only schedules in-process attempts: no task rows, no
 * timers, no search attributes, no snapshot. Throws, as startRun does, for a first step the
 * start cannot take.
 */
export function batchableStart(db: SqlExecutor, request: StartRunRequest): FirstStepStart | undefined {
  if (db.isTransaction || request.firstStep === undefined) return undefined;
  const start = firstStepStartOf(request);
  if (start === undefined) return undefined;
  const step = start.firstStep;
  return step.leaseMs !== undefined &&
    Number.isFinite(step.leaseMs) &&
    Number.isFinite(start.lease.leaseMs) &&
    step.run.status === "running" &&
    (step.children?.length ?? 0) === 0 &&
    (step.cancelTasks?.length ?? 0) === 0 &&
    step.cancelTimers.length === 0 &&
    step.timers.length === 0 &&
    step.tasks.every((task) => runsInProcess(task, start.lease.owner, false)) &&
    attributeUpdatesOf(step.events) === undefined &&
    !crossesSnapshot(step)
    ? start
    : undefined;
}

/** One start as the batch statement reads it (an element of its first json parameter). */
interface StartInput {
  readonly run_id: string;
  readonly namespace: string;
  readonly workflow_name: string;
  readonly version_hash: string;
  /** JSON texts: an input may itself be JSON null. */
  readonly input: string;
  readonly attributes: string;
  readonly parent_run_id: string | null;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  readonly last_seq: number;
  readonly owner: string;
  readonly step_lease_ms: number;
  readonly start_lease_ms: number;
  readonly calls: readonly string[];
}

/**
 * The statement, for starts and events as json texts. Its text never changes, so it is
 * parsed and planned once per connection (exported for its plan test).
 */
export const startBatchStatement = (starts: string, events: string) => sql<StartedRow>`
  WITH input AS (
    -- One row per start, read as in commit-steps-in-batch.ts (planned as one row).
    SELECT i.*, nextval('continuum.journal_order') AS n
    FROM unnest(ARRAY(SELECT json_array_elements(${starts}::text::json))) AS s,
      json_to_record(s) AS i(
        run_id text, namespace text, workflow_name text, version_hash text, input text, attributes text,
        parent_run_id text, traceparent text, tracestate text, last_seq integer, owner text,
        step_lease_ms bigint, start_lease_ms bigint, calls text[])
    WHERE json_typeof(s) = 'object'
  ),
  r AS (
    INSERT INTO continuum.runs AS r (run_id, namespace, workflow_id, workflow_name, version_hash, input, attributes,
      parent_run_id, chain_id, traceparent, tracestate, history_month, last_seq, created_order, ready_since,
      fencing_token, lease_owner, lease_expires_at, not_before, created_at, updated_at, in_process_calls, has_in_process)
    SELECT i.run_id, i.namespace, i.run_id, i.workflow_name, i.version_hash, i.input::json, i.attributes::json,
      i.parent_run_id, i.run_id, i.traceparent, i.tracestate, date_trunc('month', ${dbNow})::date, i.last_seq, i.n, i.n,
      1, i.owner, ${dbNow} + i.step_lease_ms * interval '1 millisecond',
      ${dbNow} + i.start_lease_ms * interval '1 millisecond', ${dbNow}, ${dbNow},
      CASE WHEN cardinality(i.calls) > 0 THEN i.calls END, cardinality(i.calls) > 0
    FROM input AS i
    ON CONFLICT (namespace, workflow_id) WHERE status IN ('running', 'stuck_unknown_version') DO NOTHING
    RETURNING ${runColumns}, r.xmin::text AS run_version
  ),
  new_events AS (
    INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
    SELECT e.run_id, r.history_month::date, e.seq, e.kind, e.body, ${dbNow}
    FROM json_to_recordset(${events}::text::json) AS e(run_id text, seq bigint, kind text, body json)
      JOIN r ON r.run_id = e.run_id
  )
  SELECT r.*, ${dbNow} AS now FROM r`;

/**
 * Group commit of starts: many eager starts with their first steps (each
 * {@link batchableStart}) in one autocommit statement, each written exactly as
 * startWithFirstStep's one statement writes it (the run row as the step leaves it, leased to
 * its starter inside the eager window; `run_started` and the step's events). Returns, in
 * order, each start's result, or undefined for one the statement did not insert (an open run
 * holds its id as workflow id): the caller starts that one alone, which throws the precise
 * error. A run id already taken fails the whole statement (the primary key), and then every
 * start is made alone.
 *
 * Locking: none taken explicitly, as for one start: the rows are invisible until the
 * statement commits, and the insert only yields to an open run's workflow id.
 */
export async function startRunsInBatch(
  db: SqlExecutor,
  starts: readonly FirstStepStart[],
): Promise<(StartRunResult | undefined)[]> {
  const inputs: StartInput[] = [];
  const events: { run_id: string; seq: number; kind: string; body: Record<string, unknown> }[] = [];
  for (const start of starts) {
    const step = start.firstStep;
    inputs.push({
      run_id: start.runId,
      namespace: start.namespace,
      workflow_name: start.workflowName,
      version_hash: start.versionHash,
      input: JSON.stringify(start.input),
      attributes: JSON.stringify(start.attributes ?? {}),
      parent_run_id: start.parentRunId ?? null,
      traceparent: start.traceContext?.traceparent ?? null,
      tracestate: start.traceContext?.tracestate ?? null,
      last_seq: 1 + step.events.length,
      owner: start.lease.owner,
      step_lease_ms: Math.round(step.leaseMs ?? start.lease.leaseMs),
      start_lease_ms: Math.round(start.lease.leaseMs),
      calls: step.tasks.map((task) => task.identity),
    });
    const started = splitEvent({
      kind: "run_started",
      workflowName: start.workflowName,
      versionHash: start.versionHash,
      input: start.input,
    });
    events.push({ run_id: start.runId, seq: 1, ...started });
    step.events.forEach((event, i) => events.push({ run_id: start.runId, seq: i + 2, ...splitEvent(event) }));
  }
  const written = await startBatchStatement(JSON.stringify(inputs), JSON.stringify(events)).execute(db);
  const byRun = new Map(written.rows.map((row) => [row.run_id, row]));
  return starts.map((start) => {
    const row = byRun.get(start.runId);
    if (row === undefined) return undefined;
    const now = toMs(row.now);
    const claimedTasks = start.firstStep.tasks.map((task) => inProcessClaim(start.runId, task, now));
    return {
      run: toRunRecord(row),
      created: true,
      firstStep: {
        lastSeq: 1 + start.firstStep.events.length,
        now,
        runVersion: row.run_version,
        ...(claimedTasks.length === 0 ? {} : { claimedTasks }),
      },
    };
  });
}
