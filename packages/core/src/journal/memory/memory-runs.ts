import {
  checkAttributeQuery,
  checkRunOrder,
  decodeAttributeCursor,
  encodeAttributeCursor,
} from "../../validation/attribute-query.ts";
import { compareAttributeValues, matchesAttributeQuery } from "./match-attribute-query.ts";
import { RunAlreadyExistsError } from "../../errors/journal-errors.ts";
import {
  decideWorkflowIdReuse,
  defaultWorkflowIdReusePolicy,
  type Encoded,
  type HistoryEvent,
  type ParentClosePolicy,
} from "../../model/index.ts";
import type { RunClaim, RunFilter, RunPage, RunRecord, StartRunRequest, StartRunResult } from "../journal.ts";

import { NotifyTopic } from "../notifier.ts";
import { MAX_INSTANT_MS, instantAfter } from "../instant-limits.ts";
import { jsonbContains } from "./jsonb-contains.ts";
import { toRunRecord } from "./memory-rows.ts";
import type { RunRow } from "./memory-rows.ts";
import { MemoryStore } from "./memory-store.ts";
import { terminateRun } from "./memory-terminate.ts";
import { enqueueRun, startIntoQueue } from "./memory-queues.ts";

const defaultPageSize = 100;

/** What {@link insertRun} creates: a started run, a child (with its parent link) or a successor. */
export type NewRunRow = StartRunRequest & {
  readonly runId: string;
  readonly workflowId: string;
  readonly parentIdentity?: string;
  readonly parentClosePolicy?: ParentClosePolicy;
};

/**
 * Starts a run, unless the id's reuse policy forbids it given the latest run with the id: then
 * returns that run (or, with `onConflict: "fail"`, throws RunAlreadyExistsError).
 */
export function startRun(store: MemoryStore, request: StartRunRequest): StartRunResult {
  const runId = request.runId ?? crypto.randomUUID();
  const workflowId = request.workflowId ?? runId;
  // A named id is the caller's (see StartRunRequest.runId): one taken already fails the start.
  if (store.runs.has(runId)) throw new RunAlreadyExistsError(workflowId, runId);
  const existing =
    request.workflowId === undefined ? undefined : getRunByWorkflowId(store, request.namespace, workflowId);
  const decision = decideWorkflowIdReuse(
    request.idReusePolicy ?? defaultWorkflowIdReusePolicy,
    existing?.status,
  );
  if (existing !== undefined && decision.kind === "conflict") {
    if (request.onConflict === "fail") throw new RunAlreadyExistsError(workflowId, existing.runId);
    return { run: existing, created: false };
  }
  if (existing !== undefined && decision.kind === "terminateThenStart")
    terminateRun(store, existing.runId, `terminated by a new start with workflow id ${workflowId}`);
  if (request.queue !== undefined) {
    const queued = startIntoQueue(store, request.queue, request);
    if (queued !== undefined) return { run: queued, created: false };
    // A queued run is never started eagerly: it waits for its queue.
    const { lease: _eager, ...rest } = request;
    const row = insertRun(store, { ...rest, runId, workflowId });
    return { run: toRunRecord(row), created: true };
  }
  const startAt = delayedStartAt(store, request);
  const row = insertRun(store, {
    ...request,
    runId,
    workflowId,
    ...(startAt === undefined ? {} : { lease: undefined, startAt }),
  });
  if (startAt !== undefined) {
    // Deferred like a released run until its start time; the timer loop finds it by nextDueAt.
    row.startAt = startAt;
    row.notBefore = startAt;
    row.awaitingStart = startAt > store.clock.now();
    if (!row.awaitingStart) store.notifier.publish(NotifyTopic.runReady, row.runId);
  }
  if (request.lease === undefined || startAt !== undefined) return { run: toRunRecord(row), created: true };
  // Eager start: leased to its starter (fencing token 1, as a first claim), still ready.
  const now = store.clock.now();
  row.fencingToken = 1;
  row.leaseOwner = request.lease.owner;
  row.leaseExpiresAt = now + request.lease.leaseMs;
  // Not even its own owner's claims take it while the lease lasts: the starter steps it.
  row.notBefore = row.leaseExpiresAt;
  const run = toRunRecord(row);
  const claim: RunClaim = {
    lease: { runId, owner: request.lease.owner, fencingToken: row.fencingToken },
    leaseExpiresAt: row.leaseExpiresAt,
    run,
    inbox: [],
    now,
    history: structuredClone(row.history),
  };
  return { run, created: true, claim };
}

/** The start time of a delayed start (clamped like every stored instant), if the request asks for one. */
function delayedStartAt(store: MemoryStore, request: StartRunRequest): number | undefined {
  if (request.startAt !== undefined)
    return Math.min(Math.max(Math.round(request.startAt), 0), MAX_INSTANT_MS);
  if (request.startDelayMs === undefined) return undefined;
  return instantAfter("startDelayMs", store.clock.now(), Math.max(0, request.startDelayMs));
}

/** Inserts a run with its run_started event, ready for its first step; the workflow id's latest run is now it. */
export function insertRun(store: MemoryStore, request: NewRunRow): RunRow {
  const now = store.clock.now();
  const input = structuredClone(request.input);
  const started: HistoryEvent = {
    kind: "run_started",
    workflowName: request.workflowName,
    versionHash: request.versionHash,
    input,
    seq: 1,
    at: now,
  };
  const row: RunRow = {
    runId: request.runId,
    namespace: request.namespace,
    workflowId: request.workflowId,
    workflowName: request.workflowName,
    versionHash: request.versionHash,
    status: "running",
    input,
    attributes: structuredClone(request.attributes ?? {}),
    ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId }),
    ...(request.parentIdentity === undefined ? {} : { parentIdentity: request.parentIdentity }),
    ...(request.parentClosePolicy === undefined ? {} : { parentClosePolicy: request.parentClosePolicy }),
    ...(request.traceContext === undefined ? {} : { traceContext: { ...request.traceContext } }),
    lastSeq: 1,
    fencingToken: 0,
    createdAt: now,
    updatedAt: now,
    stepped: false,
    order: store.nextOrder(),
    history: [started],
    inbox: [],
    deliveryIds: new Set(),
  };
  if (request.queue !== undefined) enqueueRun(store, row, request.queue);
  store.runs.set(row.runId, row);
  if (row.parentRunId !== undefined) {
    const siblings = store.childrenOf.get(row.parentRunId);
    if (siblings === undefined) store.childrenOf.set(row.parentRunId, [row.runId]);
    else siblings.push(row.runId);
  }
  store.byWorkflowId.set(MemoryStore.workflowKey(row.namespace, row.workflowId), row.runId);
  // An eager start is stepped by its starter at once, a delayed one later: nothing to announce.
  // A queued start is announced as queued: it wakes the engines' queue loops (no claim can take it yet).
  if (request.lease === undefined && request.startAt === undefined && request.startDelayMs === undefined)
    store.notifier.publish(
      request.queue === undefined ? NotifyTopic.runReady : NotifyTopic.runQueued,
      row.runId,
    );
  return row;
}

/** The latest run with a workflow id: the run last inserted with it, followed along continuedTo. */
export function getRunByWorkflowId(
  store: MemoryStore,
  namespace: string,
  workflowId: string,
): RunRecord | undefined {
  const firstId = store.byWorkflowId.get(MemoryStore.workflowKey(namespace, workflowId));
  let row = firstId === undefined ? undefined : store.runs.get(firstId);
  const seen = new Set<string>();
  while (row?.continuedTo !== undefined && !seen.has(row.runId)) {
    seen.add(row.runId);
    const next = store.runs.get(row.continuedTo);
    if (next === undefined) break;
    row = next;
  }
  return row && toRunRecord(row);
}

/**
 * Runs matching `filter` one page at a time: newest first, or in `filter.orderBy`'s order with
 * ties broken by creation order (the cursor is a creation order, or an attribute cursor).
 */
export function listRuns(store: MemoryStore, filter: RunFilter): RunPage {
  const where = filter.where === undefined ? undefined : checkAttributeQuery(filter.where);
  const orderBy = filter.orderBy === undefined ? undefined : checkRunOrder(filter.orderBy);
  const statuses =
    filter.status === undefined
      ? undefined
      : new Set(typeof filter.status === "string" ? [filter.status] : filter.status);
  const limit = Math.max(1, filter.limit ?? defaultPageSize);
  const sign = orderBy?.direction === "asc" ? 1 : -1;
  const attribute = orderBy?.by === "attribute" ? orderBy.attribute : undefined;
  const keyOf = (row: RunRow): Encoded | undefined =>
    attribute !== undefined && Object.hasOwn(row.attributes, attribute)
      ? (row.attributes as Record<string, Encoded>)[attribute]
      : undefined;
  const compare = (
    a: { key: Encoded | undefined; order: number },
    b: { key: Encoded | undefined; order: number },
  ) => sign * (compareAttributeValues(a.key, b.key) || a.order - b.order);
  let cursor: { key: Encoded | undefined; order: number } | undefined;
  if (filter.after !== undefined) {
    if (attribute !== undefined) {
      const [key, order] = decodeAttributeCursor(filter.after);
      cursor = { key: key ?? undefined, order };
    } else if (Number.isFinite(Number(filter.after)))
      cursor = { key: undefined, order: Number(filter.after) };
  }
  const matching = [...store.runs.values()]
    .filter(
      (row) =>
        (cursor === undefined || compare({ key: keyOf(row), order: row.order }, cursor) > 0) &&
        (filter.namespace === undefined || row.namespace === filter.namespace) &&
        (filter.workflowName === undefined || row.workflowName === filter.workflowName) &&
        (filter.workflowId === undefined || row.workflowId === filter.workflowId) &&
        (filter.parentRunId === undefined || row.parentRunId === filter.parentRunId) &&
        (statuses === undefined || statuses.has(row.status)) &&
        (filter.attributes === undefined ||
          jsonbContains(row.attributes as Encoded, filter.attributes as Encoded)) &&
        (where === undefined || matchesAttributeQuery(row.attributes as Record<string, Encoded>, where)),
    )
    .sort((a, b) => compare({ key: keyOf(a), order: a.order }, { key: keyOf(b), order: b.order }));
  const page = matching.slice(0, limit);
  const last = page.at(-1);
  const next =
    last === undefined
      ? undefined
      : attribute !== undefined
        ? encodeAttributeCursor(keyOf(last), last.order)
        : String(last.order);
  return {
    runs: page.map(toRunRecord),
    ...(matching.length > limit && next !== undefined ? { next } : {}),
  };
}
