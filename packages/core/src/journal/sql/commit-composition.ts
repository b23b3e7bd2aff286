import { sql, type RawBuilder } from "kysely";
import { decideWorkflowIdReuse, type ResolutionEvent } from "../../model/index.ts";
import {
  carriedSignalEvents,
  childIdTakenEvent,
  childOutcomeEvent,
  parentClosedEvent,
} from "../composition-events.ts";
import type { NewChildRun, StepCommit } from "../journal.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { NotifyTopic } from "../notifier.ts";
import { splitEvent, toInboxItem, type InboxRow, type RunRow } from "./rows.ts";
import { getRunByWorkflowId } from "./run-queries.ts";
import { lockWorkflowId } from "./lock-workflow-id.ts";
import { terminateRun } from "./terminate-run.ts";
import { dbNow, json, notify, terminalList, type SqlExecutor } from "./sql-fragments.ts";

/**
 * The parts of commitStep that touch other runs: children created by a step, a child's
 * outcome delivered to its parent, a parent's end cancelling its children, and the signals a
 * continued run hands to its successor. All run inside commitStep's transaction.
 *
 * Locking: rows are always locked ancestor first. A parent's step holds its own row (the CAS)
 * and then locks its children's rows (closeChildren). A child's final step locks its parent's
 * row before its own CAS (lockParentFirst), then delivers into the parent's inbox. With the
 * same order on both sides a parent and a child finishing together cannot deadlock. (A batch
 * deliverer such as fireDueTimers locks runs in run_id order instead; should it meet a child's
 * final commit in the opposite order, Postgres aborts one and retryConflicts runs it again.)
 */

/**
 * Before the CAS of a step that ends a child run: lock the parent's row first (see above).
 * Returns whether the parent was locked and still open: then the outcome's delivery into its
 * inbox needs no second locking read (`reportToParent`), which keeps the parent's row lock, for
 * which a fan-in of children queue, one round trip shorter.
 */
export async function lockParentFirst(
  tx: SqlExecutor,
  commit: StepCommit,
  terminal: boolean,
): Promise<boolean> {
  if (!terminal || commit.run.status === "continued") return false;
  const locked = await sql<{ open: boolean }>`
    SELECT p.status NOT IN ${terminalList} AS open FROM continuum.runs AS p
    WHERE p.run_id = (SELECT c.parent_run_id FROM continuum.runs AS c WHERE c.run_id = ${commit.lease.runId})
    FOR NO KEY UPDATE`.execute(tx);
  return locked.rows[0]?.open === true;
}

/** Children per INSERT: keeps each statement well under PostgreSQL's 65,535 parameters. */
const childrenPerStatement = 500;

/**
 * Creates the step's children in the parent's namespace, a batch per statement (a fan-out of
 * 1,000 children is a few statements, not a few thousand). Each child is a run as insertRun
 * makes it: ready for its first step, with its run_started event. A workflow id that is not
 * free under the child's reuse policy creates nothing and puts child_failed
 * (RunAlreadyExistsError) in the parent's own inbox. Children with the default policy
 * (allowAfterClosed) are decided by the unique index over open runs alone; the others first, one
 * by one, as startRun decides them (advisory lock, latest run, decideWorkflowIdReuse).
 */
export async function createChildren(
  tx: SqlExecutor,
  parent: RunRow,
  children: readonly NewChildRun[],
): Promise<void> {
  const refused = new Set<string>();
  for (const child of children) {
    const policy = child.idReusePolicy ?? "allowAfterClosed";
    if (policy === "allowAfterClosed") continue;
    await lockWorkflowId(tx, parent.namespace, child.workflowId);
    const existing = await getRunByWorkflowId(tx, parent.namespace, child.workflowId);
    const decision = decideWorkflowIdReuse(policy, existing?.status).kind;
    if (existing !== undefined && decision === "conflict") refused.add(child.runId);
    if (existing !== undefined && decision === "terminateThenStart")
      await terminateRun(
        tx,
        existing.runId,
        `terminated by a new child start with workflow id ${child.workflowId}`,
      );
  }
  const admitted = children.filter((c) => !refused.has(c.runId));
  const created = new Set<string>();
  for (let from = 0; from < admitted.length; from += childrenPerStatement) {
    for (const runId of await insertChildRuns(tx, parent, admitted.slice(from, from + childrenPerStatement)))
      created.add(runId);
  }
  const taken: ResolutionEvent[] = [];
  for (const child of children) {
    if (created.has(child.runId)) continue;
    const existing = await getRunByWorkflowId(tx, parent.namespace, child.workflowId);
    taken.push(childIdTakenEvent(child.parentIdentity, child.workflowId, existing?.runId ?? ""));
  }
  if (taken.length > 0)
    await deliverToInbox(
      tx,
      taken.map((event) => ({ runId: parent.run_id, event })),
    );
  await notify(tx, NotifyTopic.runReady, [...created]);
}

/** One INSERT of child runs (ON CONFLICT on the workflow id: skipped) and one of their run_started events. */
async function insertChildRuns(
  tx: SqlExecutor,
  parent: RunRow,
  batch: readonly NewChildRun[],
): Promise<string[]> {
  const values = batch.map(
    (c, i) =>
      sql`(${i}::int, ${c.runId}, ${c.workflowId}, ${c.workflowName}, ${c.versionHash}, ${json(c.input)}, ${c.parentIdentity}, ${c.parentClosePolicy}, ${c.traceContext?.traceparent ?? null}::text, ${c.traceContext?.tracestate ?? null}::text)`,
  );
  // Ordered by position, so created_order (and readiness) follows the order the code started them.
  const inserted = await sql<{ run_id: string; history_month: string }>`
    WITH input (pos, run_id, workflow_id, workflow_name, version_hash, input, parent_identity, parent_close_policy, traceparent, tracestate) AS (VALUES ${sql.join(values)}),
    numbered AS (SELECT input.*, nextval('continuum.journal_order') AS n FROM (SELECT * FROM input ORDER BY pos) AS input)
    INSERT INTO continuum.runs AS r (run_id, namespace, workflow_id, workflow_name, version_hash, input, attributes,
      parent_run_id, parent_identity, parent_close_policy, chain_id, traceparent, tracestate, history_month, last_seq, created_order, ready_since, created_at, updated_at)
    SELECT run_id, ${parent.namespace}, workflow_id, workflow_name, version_hash, input, '{}'::json,
      ${parent.run_id}, parent_identity, parent_close_policy, run_id, traceparent, tracestate, date_trunc('month', ${dbNow})::date, 1, n, n, ${dbNow}, ${dbNow}
    FROM numbered ORDER BY pos
    ON CONFLICT (namespace, workflow_id) WHERE status IN ('running', 'stuck_unknown_version') DO NOTHING
    RETURNING r.run_id, r.history_month::text AS history_month`.execute(tx);
  if (inserted.rows.length === 0) return [];
  const byId = new Map(batch.map((c) => [c.runId, c]));
  const events = inserted.rows.map((row) => {
    const child = byId.get(row.run_id) as NewChildRun;
    const { kind, body } = splitEvent({
      kind: "run_started",
      workflowName: child.workflowName,
      versionHash: child.versionHash,
      input: child.input,
    });
    return sql`(${row.run_id}, ${row.history_month}::date, 1, ${kind}, ${json(body)}, ${dbNow})`;
  });
  await sql`INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at) VALUES ${sql.join(events)}`.execute(
    tx,
  );
  return inserted.rows.map((row) => row.run_id);
}

/** Signals of a continuing run that nobody took: carried by its last step, then still in its inbox. */
export function handoverSignals(commit: StepCommit, removedInbox: readonly InboxRow[]): ResolutionEvent[] {
  const undelivered = [...removedInbox]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((row) => toInboxItem(row).event)
    .filter((event) => event.kind === "signal_received");
  return [...carriedSignalEvents(commit.events), ...undelivered];
}

/** Fills the successor's inbox with the handed-over signals and its dedupe memory with the chain's delivery ids. */
export async function handOver(
  tx: SqlExecutor,
  fromRunId: string,
  successor: string,
  signals: readonly ResolutionEvent[],
): Promise<void> {
  await sql`
    INSERT INTO continuum.signal_deliveries (run_id, delivery_id, received_at)
    SELECT ${successor}, delivery_id, received_at FROM continuum.signal_deliveries WHERE run_id = ${fromRunId}
    ON CONFLICT DO NOTHING`.execute(tx);
  if (signals.length > 0)
    await deliverToInbox(
      tx,
      signals.map((event) => ({ runId: successor, event })),
    );
}

/** A child's final step: its outcome goes to the parent's inbox (dropped when the parent finished). */
export async function reportToParent(
  tx: SqlExecutor,
  run: RunRow,
  commit: StepCommit,
  parentLockedOpen = false,
): Promise<void> {
  if (run.parent_run_id === null || run.parent_identity === null) return;
  const outcome = childOutcomeEvent(run.parent_identity, commit.run, commit.events);
  if (outcome !== undefined)
    await deliverToInbox(tx, [{ runId: run.parent_run_id, event: outcome }], {
      lockedLive: parentLockedOpen,
    });
}

/**
 * The ids of `runId`'s children still running with policy "cancel", as a json array: a
 * sub-select commitStep folds into its final UPDATE, saving the lookup's round trip.
 */
export function openChildrenOf(runId: string): RawBuilder<unknown> {
  return sql`(SELECT coalesce(json_agg(c.run_id), '[]'::json) FROM continuum.runs AS c
              WHERE c.parent_run_id = ${runId} AND c.parent_close_policy = 'cancel' AND c.status NOT IN ${terminalList})`;
}

/** A run that ended cancels its children still running with policy "cancel" (`open`: from {@link openChildrenOf}). */
export async function closeChildren(
  tx: SqlExecutor,
  runId: string,
  status: string,
  open?: readonly string[],
): Promise<void> {
  const childIds =
    open ??
    (
      await sql<{ run_id: string }>`
        SELECT run_id FROM continuum.runs
        WHERE parent_run_id = ${runId} AND parent_close_policy = 'cancel' AND status NOT IN ${terminalList}`.execute(
        tx,
      )
    ).rows.map((row) => row.run_id);
  if (childIds.length === 0) return;
  const event = parentClosedEvent(runId, status);
  await deliverToInbox(
    tx,
    childIds.map((childId) => ({ runId: childId, event })),
  );
}
