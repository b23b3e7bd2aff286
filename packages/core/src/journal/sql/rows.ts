import { sql, type SqlTemplate } from "./sql-template.ts";
import type {
  HistoryEvent,
  HistoryEventBody,
  ParentClosePolicy,
  ResolutionEvent,
  RunStatus,
  SerializedError,
  Encoded,
  TraceContext,
} from "../../model/index.ts";
import type { InboxItem, RunRecord } from "../journal.ts";
import { toMs } from "./sql-fragments.ts";

// Rows never leave journal/sql: every query maps them to the port's types right here.

/** A row of continuum.runs as the driver returns it. */
export interface RunRow {
  run_id: string;
  namespace: string;
  workflow_id: string;
  workflow_name: string;
  version_hash: string;
  status: RunStatus;
  input: Encoded;
  result: Encoded | null;
  error: SerializedError | null;
  attributes: Record<string, Encoded>;
  parent_run_id: string | null;
  parent_identity: string | null;
  parent_close_policy: ParentClosePolicy | null;
  continued_to: string | null;
  traceparent: string | null;
  tracestate: string | null;
  /** YYYY-MM-DD, selected as text so it round-trips without time-zone surprises. */
  history_month: string;
  last_seq: number;
  fencing_token: number | string;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  created_order: number | string;
  /** Delayed starts: the requested start time (migration 0012). */
  start_at?: Date | null;
}

/** The run columns every run query selects (`r` is the runs alias). */
export const runColumns: SqlTemplate<unknown> = sql.raw(
  "r.run_id, r.namespace, r.workflow_id, r.workflow_name, r.version_hash, r.status, r.input, r.result, r.error, " +
    "r.attributes, r.parent_run_id, r.parent_identity, r.parent_close_policy, r.continued_to, r.traceparent, r.tracestate, r.history_month::text AS history_month, r.last_seq, r.fencing_token, r.lease_owner, " +
    "r.lease_expires_at, r.created_at, r.updated_at, r.finished_at, r.created_order, r.start_at",
);

/** Maps a runs row to the port's RunRecord (absent optionals stay absent, not null). */
export function toRunRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    namespace: row.namespace,
    workflowId: row.workflow_id,
    workflowName: row.workflow_name,
    versionHash: row.version_hash,
    status: row.status,
    input: row.input,
    ...(row.result === null ? {} : { result: row.result }),
    ...(row.error === null ? {} : { error: row.error }),
    attributes: row.attributes,
    ...(row.parent_run_id === null ? {} : { parentRunId: row.parent_run_id }),
    ...(row.parent_identity === null ? {} : { parentIdentity: row.parent_identity }),
    ...(row.parent_close_policy === null ? {} : { parentClosePolicy: row.parent_close_policy }),
    ...(row.continued_to === null ? {} : { continuedTo: row.continued_to }),
    ...traceContextOf(row),
    lastSeq: Number(row.last_seq),
    fencingToken: Number(row.fencing_token),
    ...(row.lease_owner === null ? {} : { leaseOwner: row.lease_owner }),
    ...(row.lease_expires_at === null ? {} : { leaseExpiresAt: toMs(row.lease_expires_at) }),
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
    ...(row.finished_at === null ? {} : { finishedAt: toMs(row.finished_at) }),
    ...(row.start_at === null || row.start_at === undefined ? {} : { startAt: toMs(row.start_at) }),
  };
}

/** The run's trace context as a RunRecord / NewRun field: `{ traceContext }` or nothing. */
export function traceContextOf(row: Pick<RunRow, "traceparent" | "tracestate">): {
  traceContext?: TraceContext;
} {
  if (row.traceparent === null) return {};
  return {
    traceContext:
      row.tracestate === null
        ? { traceparent: row.traceparent }
        : { traceparent: row.traceparent, tracestate: row.tracestate },
  };
}

/** A row of continuum.events: the body is stored without its `kind`. */
export interface EventRow {
  seq: number;
  kind: string;
  body: Record<string, Encoded>;
  at: Date;
}

/** A row of continuum.inbox: the resolution's body without its `kind`. */
export interface InboxRow {
  id: number | string;
  run_id: string;
  kind: string;
  body: Record<string, Encoded>;
  received_at: Date;
}

/** Splits an event into its `kind` column and its json body. */
export function splitEvent(event: HistoryEventBody | ResolutionEvent): {
  kind: string;
  body: Record<string, unknown>;
} {
  const { kind, ...body } = event as { kind: string } & Record<string, unknown>;
  return { kind, body };
}

/** Maps an events row back to the port's HistoryEvent (kind first, as it was written). */
export function toHistoryEvent(row: EventRow): HistoryEvent {
  return { kind: row.kind, ...row.body, seq: Number(row.seq), at: toMs(row.at) } as unknown as HistoryEvent;
}

/** Maps an inbox row to the port's InboxItem. */
export function toInboxItem(row: InboxRow): InboxItem {
  return {
    id: Number(row.id),
    runId: row.run_id,
    event: { kind: row.kind, ...row.body } as unknown as ResolutionEvent,
    receivedAt: toMs(row.received_at),
  };
}
