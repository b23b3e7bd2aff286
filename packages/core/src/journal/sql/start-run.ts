import { randomUUID } from "node:crypto";
import { sql } from "./sql-template.ts";
import { RunAlreadyExistsError } from "../../errors/index.ts";
import {
  decideWorkflowIdReuse,
  defaultWorkflowIdReusePolicy,
  type Encoded,
  type HistoryEvent,
  type ParentClosePolicy,
  type TraceContext,
} from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { RunClaim, RunQueueStart, StartRunRequest, StartRunResult } from "../journal.ts";
import { queuedRunColumns, startIntoQueue } from "./queue-start.ts";
import { runColumns, splitEvent, toRunRecord, type RunRow } from "./rows.ts";
import { getRunByWorkflowId } from "./run-queries.ts";
import { lockWorkflowId } from "./lock-workflow-id.ts";
import { terminateRun } from "./terminate-run.ts";
import { startWithFirstStep } from "./start-with-first-step.ts";
import { firstStepStartOf } from "../first-step-start.ts";
import { MAX_INSTANT_MS } from "../instant-limits.ts";
import {
  channelOf,
  dbNow,
  dbNowPlus,
  fromEpochMs,
  maxInstant,
  inTransaction,
  json,
  msInterval,
  toMs,
  type SqlExecutor,
} from "./sql-fragments.ts";

/** What a new run row needs; shared by startRun and continue-as-new. */
export interface NewRun {
  readonly runId: string;
  readonly namespace: string;
  readonly workflowId: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: Encoded;
  readonly attributes: Readonly<Record<string, Encoded>>;
  readonly parentRunId?: string;
  /** Child runs: the parent's child_started identity and the parent-close policy. */
  readonly parentIdentity?: string;
  readonly parentClosePolicy?: ParentClosePolicy;
  readonly chainId: string;
  readonly continuedFrom?: string;
  readonly traceContext?: TraceContext;
  /** Queued runs: not claimable until dequeued (see migrations/0013_queues.sql). */
  readonly queue?: RunQueueStart;
}

/** The row a start request inserts as run `runId` under `workflowId` (the first of its own chain). */
export function newRunOf(request: StartRunRequest, runId: string, workflowId: string): NewRun {
  return {
    ...(request.queue === undefined ? {} : { queue: request.queue }),
    runId,
    namespace: request.namespace,
    workflowId,
    workflowName: request.workflowName,
    versionHash: request.versionHash,
    input: request.input,
    attributes: request.attributes ?? {},
    ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId }),
    ...(request.traceContext === undefined ? {} : { traceContext: request.traceContext }),
    chainId: runId,
  };
}

/** A delayed start: an absolute instant or a delay from the journal clock. */
export type DelayedStart = { readonly atMs: number } | { readonly delayMs: number };

/** The delayed start a request asks for, if any. */
export function delayedStartOf(request: {
  readonly startAt?: number;
  readonly startDelayMs?: number;
}): DelayedStart | undefined {
  if (request.startAt !== undefined) return { atMs: request.startAt };
  if (request.startDelayMs !== undefined) return { delayMs: request.startDelayMs };
  return undefined;
}

/**
 * Inserts a run and its run_started event (seq 1), ready for its first step. Returns undefined
 * when the workflow id is taken.
 *
 * Locking: none taken explicitly. The partial unique index on (namespace, workflow_id) over open
 * runs (runs_open_workflow_id_key, migration 0006) decides races between two starts with the
 * same id: ON CONFLICT DO NOTHING waits for the other inserter to commit, then yields to it.
 */
export async function insertRun(
  tx: SqlExecutor,
  run: NewRun,
  lease?: StartRunRequest["lease"],
  start?: DelayedStart,
): Promise<StartedRow | undefined> {
  const { kind, body } = splitEvent({
    kind: "run_started",
    workflowName: run.workflowName,
    versionHash: run.versionHash,
    input: run.input,
  });
  // One statement: the run row and its run_started event (the event is inserted only if the
  // row was). An eager start takes the lease in the same insert (fencing token 1, as a first
  // claim would) and announces nothing: its owner steps the run at once. It is also deferred
  // until the lease ends (claims skip it, even its owner's, whose claim would only race the
  // eager step); the first commit lifts that.
  // A delayed start is deferred the same way (not_before) and, while its start time is ahead,
  // not ready at all (ready_since NULL: outside runs_ready_idx, so claims never scan it); the
  // timer wheel makes it ready once due (activateDelayedStarts). One whose start time has passed
  // already is ready at once, and announced like any new run.
  if (start !== undefined) lease = undefined;
  const startAt =
    start === undefined
      ? sql`NULL`
      : "atMs" in start
        ? sql`LEAST(${fromEpochMs(Math.min(Math.max(start.atMs, 0), MAX_INSTANT_MS))}, ${maxInstant})`
        : dbNowPlus("startDelayMs", Math.max(0, start.delayMs));
  const leaseEnd = lease === undefined ? sql`NULL` : sql`${dbNow} + ${msInterval(lease.leaseMs)}`;
  // A queued run is deferred to the last instant and not ready (see queue-start.ts); the client
  // refuses a start that is both queued and delayed.
  const queued = run.queue === undefined ? undefined : queuedRunColumns(run.queue);
  const notBefore = queued?.notBefore ?? (start === undefined ? leaseEnd : startAt);
  // A queued start is announced too (run_queued): it wakes the engines' queue loops only.
  const announce = lease === undefined;
  const inserted = await sql<StartedRow>`
    WITH next AS (SELECT nextval('continuum.journal_order') AS n),
    r AS (
      INSERT INTO continuum.runs AS r (run_id, namespace, workflow_id, workflow_name, version_hash, input, attributes,
        parent_run_id, parent_identity, parent_close_policy, chain_id, continued_from, traceparent, tracestate, history_month, last_seq, created_order, ready_since,
        fencing_token, lease_owner, lease_expires_at, not_before, start_at, created_at, updated_at,
        queue_name, queue_priority, queue_dedupe_key, queue_ready_at, queue_partition_key)
      SELECT ${run.runId}, ${run.namespace}, ${run.workflowId}, ${run.workflowName}, ${run.versionHash}, ${json(run.input)},
        ${json(run.attributes)}, ${run.parentRunId ?? null}, ${run.parentIdentity ?? null}, ${run.parentClosePolicy ?? null}, ${run.chainId}, ${run.continuedFrom ?? null},
        ${run.traceContext?.traceparent ?? null}, ${run.traceContext?.tracestate ?? null},
        date_trunc('month', ${dbNow})::date, 1, next.n, ${queued !== undefined ? sql`NULL` : start === undefined ? sql`next.n` : sql`CASE WHEN ${startAt} <= ${dbNow} THEN next.n END`},
        ${lease === undefined ? 0 : 1}, ${lease?.owner ?? null}, ${leaseEnd}, ${notBefore}, ${startAt},
        ${dbNow}, ${dbNow},
        ${queued?.name ?? null}, ${queued?.priority ?? null}, ${queued?.dedupeKey ?? null}, ${queued?.readyAt ?? null},
        ${queued?.partitionKey ?? null}::text
      FROM next
      ON CONFLICT (namespace, workflow_id) WHERE status IN ('running', 'stuck_unknown_version') DO NOTHING
      RETURNING ${runColumns}, r.xmin::text AS run_version, r.ready_since
    ),
    started AS (
      INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
      SELECT r.run_id, r.history_month::date, 1, ${kind}, ${json(body)}, ${dbNow} FROM r
    )
    SELECT r.*, ${dbNow} AS now ${!announce ? sql`` : queued !== undefined ? sql`, pg_notify(${channelOf(NotifyTopic.runQueued)}, r.run_id)::text AS notified` : sql`, CASE WHEN r.ready_since IS NOT NULL THEN pg_notify(${channelOf(NotifyTopic.runReady)}, r.run_id)::text END AS notified`} FROM r`.execute(
    tx,
  );
  return inserted.rows[0];
}

/** Whether `error` is PostgreSQL's unique violation (23505) on `constraint` (pg and PGlite alike). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === "23505" && violated === constraint;
}

/** A run row as insertRun returns it. */
export type StartedRow = RunRow & { run_version: string; now: Date };

/**
 * startRun: decides by the id's reuse policy; see Journal.startRun.
 *
 * A start without a workflow id or dedupe key is one autocommit statement (insertRun's insert of
 * the row and its run_started event, queued or not): its id is fresh, so there is no reuse to
 * decide and nothing to lock, and a transaction around it would only add BEGIN and COMMIT (a
 * third of a sequential queued start's time, measured in the bench's queue scenario). Every other
 * start reads, locks and decides in one transaction.
 */
export async function startRun(db: SqlExecutor, request: StartRunRequest): Promise<StartRunResult> {
  const withFirstStep = firstStepStartOf(request);
  if (withFirstStep !== undefined) return startWithFirstStep(db, withFirstStep);
  if (request.workflowId === undefined && request.queue?.dedupeKey === undefined)
    return startFresh(db, request);
  return inTransaction(db, async (tx) => {
    const runId = request.runId ?? randomUUID();
    const workflowId = request.workflowId ?? runId;
    const policy = request.idReusePolicy ?? defaultWorkflowIdReusePolicy;
    if (request.workflowId !== undefined && policy !== "allowAfterClosed")
      await lockWorkflowId(tx, request.namespace, workflowId);
    const existing =
      request.workflowId === undefined
        ? undefined
        : await getRunByWorkflowId(tx, request.namespace, workflowId);
    const decision = decideWorkflowIdReuse(policy, existing?.status);
    if (existing !== undefined && decision.kind === "conflict") {
      if (request.onConflict === "fail") throw new RunAlreadyExistsError(workflowId, existing.runId);
      return { run: existing, created: false };
    }
    if (existing !== undefined && decision.kind === "terminateThenStart")
      await terminateRun(tx, existing.runId, `terminated by a new start with workflow id ${workflowId}`);
    if (request.queue !== undefined) {
      const queued = await startIntoQueue(tx, request.queue, request);
      if (queued !== undefined) return { run: queued, created: false };
    }
    const row = await insertRun(
      tx,
      newRunOf(request, runId, workflowId),
      // A queued run is never started eagerly: it waits for its queue.
      request.queue === undefined ? request.lease : undefined,
      delayedStartOf(request),
    );
    if (row !== undefined) return startedResult(request, row);
    const found = await getRunByWorkflowId(tx, request.namespace, workflowId);
    if (found === undefined) throw new Error(`run for workflow id ${workflowId} vanished during start`);
    if (request.onConflict === "fail") throw new RunAlreadyExistsError(workflowId, found.runId);
    return { run: found, created: false };
  });
}

/** A start with a fresh id and no dedupe key: one statement, no transaction (see startRun). */
async function startFresh(db: SqlExecutor, request: StartRunRequest): Promise<StartRunResult> {
  const runId = request.runId ?? randomUUID();
  const row = await insertRun(
    db,
    newRunOf(request, runId, runId),
    // A queued run is never started eagerly: it waits for its queue.
    request.queue === undefined ? request.lease : undefined,
    delayedStartOf(request),
  ).catch((error: unknown) => {
    // A run id named by the caller that a closed run has (see StartRunRequest.runId).
    throw isUniqueViolation(error, "runs_pkey") ? new RunAlreadyExistsError(runId, runId) : error;
  });
  // Only an open run with this workflow id (the new run's id) could make the insert yield.
  if (row === undefined) throw new RunAlreadyExistsError(runId, runId);
  return startedResult(request, row);
}

/** The result of a start that inserted `row`: with the eager claim when it took a lease. */
function startedResult(request: StartRunRequest, row: StartedRow): StartRunResult {
  const run = toRunRecord(row);
  if (request.lease === undefined || request.queue !== undefined || delayedStartOf(request) !== undefined)
    return { run, created: true };
  const now = toMs(row.now);
  const history: HistoryEvent[] = [
    {
      kind: "run_started",
      workflowName: run.workflowName,
      versionHash: run.versionHash,
      input: run.input,
      seq: 1,
      at: now,
    },
  ];
  const claim: RunClaim = {
    lease: { runId: run.runId, owner: request.lease.owner, fencingToken: run.fencingToken },
    leaseExpiresAt: run.leaseExpiresAt ?? now + request.lease.leaseMs,
    run,
    inbox: [],
    now,
    runVersion: row.run_version,
    history,
  };
  return { run, created: true, claim };
}
