import { isTerminal } from "../../model/run-status.ts";
import { instantAfter } from "../instant-limits.ts";
import type {
  ClaimRunsRequest,
  MarkUnknownVersionsRequest,
  ReleaseRunOptions,
  RunClaim,
  RunLeaseRef,
  RunRecord,
} from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { toRunRecord } from "./memory-rows.ts";
import type { RunRow } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";

/**
 * Leases the runs that are ready to step (an inbox item, or never stepped), oldest ready
 * first. A claimer that names the versions it has also takes runs stuck on an unknown version.
 */
export function claimRuns(store: MemoryStore, request: ClaimRunsRequest): RunClaim[] {
  const now = store.clock.now();
  const names = request.workflowNames === undefined ? undefined : new Set(request.workflowNames);
  const versions =
    request.workflowVersions === undefined ? undefined : new Set(request.workflowVersions.map(versionKey));
  const excluded = new Set(request.exclude ?? []);
  const readyKey = (row: RunRow): number => row.inbox[0]?.id ?? row.readyOrder ?? row.order;
  const candidates = [...store.runs.values()]
    .filter(
      (row) =>
        !isTerminal(row.status) &&
        (row.inbox.length > 0 || !row.stepped) &&
        row.awaitingStart !== true &&
        !excluded.has(row.runId) &&
        (row.notBefore === undefined || row.notBefore <= now) &&
        (request.namespaces !== undefined
          ? request.namespaces.includes(row.namespace)
          : request.namespace === undefined || row.namespace === request.namespace) &&
        (names === undefined || names.has(row.workflowName)) &&
        (versions === undefined || versions.has(versionKey(row))) &&
        (row.leaseOwner === undefined ||
          (row.leaseExpiresAt ?? 0) <= now ||
          row.leaseOwner === request.owner),
    )
    .sort((a, b) => readyKey(a) - readyKey(b))
    .slice(0, Math.max(0, request.limit));
  return candidates.map((row) => {
    const live = row.leaseOwner !== undefined && (row.leaseExpiresAt ?? 0) > now;
    if (!live) row.fencingToken += 1;
    row.leaseOwner = request.owner;
    row.leaseExpiresAt = now + request.leaseMs;
    // The claimer has this run's exact code: the run is no longer stuck.
    if (versions !== undefined && row.status === "stuck_unknown_version") row.status = "running";
    return {
      lease: { runId: row.runId, owner: request.owner, fencingToken: row.fencingToken },
      leaseExpiresAt: row.leaseExpiresAt,
      run: toRunRecord(row),
      inbox: structuredClone(row.inbox),
      now,
      ...((row.inProcessCalls?.length ?? 0) > 0 ? { inProcessCalls: [...(row.inProcessCalls ?? [])] } : {}),
    };
  });
}

/** Marks ready runs whose version no engine knows, once they have waited long enough. */
export function markUnknownVersions(store: MemoryStore, request: MarkUnknownVersionsRequest): RunRecord[] {
  const now = store.clock.now();
  const known = new Set(request.known.map(versionKey));
  const names = new Set(request.known.map((ref) => ref.workflowName));
  const waitingSince = (row: RunRow): number => row.inbox[0]?.receivedAt ?? row.updatedAt;
  const readyKey = (row: RunRow): number => row.inbox[0]?.id ?? row.readyOrder ?? row.order;
  const marked = [...store.runs.values()]
    .filter(
      (row) =>
        row.status === "running" &&
        (row.inbox.length > 0 || !row.stepped) &&
        (request.namespace === undefined || row.namespace === request.namespace) &&
        names.has(row.workflowName) &&
        !known.has(versionKey(row)) &&
        (row.leaseOwner === undefined || (row.leaseExpiresAt ?? 0) <= now) &&
        waitingSince(row) <= now - request.waitingForMs,
    )
    .sort((a, b) => readyKey(a) - readyKey(b))
    .slice(0, Math.max(0, request.limit));
  for (const row of marked) {
    row.status = "stuck_unknown_version";
    row.updatedAt = now;
  }
  return marked.map(toRunRecord);
}

/** Extends the leases `owner` still holds; returns the run ids whose lease it lost. */
export function renewRunLeases(
  store: MemoryStore,
  owner: string,
  leases: readonly RunLeaseRef[],
  leaseMs: number,
): string[] {
  const now = store.clock.now();
  const lost: string[] = [];
  for (const lease of leases) {
    const row = store.runs.get(lease.runId);
    if (
      row === undefined ||
      lease.owner !== owner ||
      row.leaseOwner !== owner ||
      row.fencingToken !== lease.fencingToken
    ) {
      lost.push(lease.runId);
      continue;
    }
    row.leaseExpiresAt = now + leaseMs;
  }
  return lost;
}

/** Gives a lease back (a no-op for a lease already lost), optionally deferring the run's next claim. */
export function releaseRun(store: MemoryStore, lease: RunLeaseRef, options: ReleaseRunOptions): void {
  const now = store.clock.now();
  const notBefore =
    options.notBeforeMs === undefined
      ? undefined
      : instantAfter("releaseRun notBeforeMs", now, options.notBeforeMs);
  const row = store.runs.get(lease.runId);
  if (row === undefined || row.leaseOwner !== lease.owner || row.fencingToken !== lease.fencingToken) return;
  row.leaseOwner = undefined;
  row.leaseExpiresAt = undefined;
  row.notBefore = notBefore;
  // A deferred run is not claimable now: announcing it would only wake engines for nothing.
  if (notBefore === undefined && !isTerminal(row.status) && (row.inbox.length > 0 || !row.stepped))
    store.notifier.publish(NotifyTopic.runReady, row.runId);
}

/** Map key of a run's (workflow name, version hash) pair. */
function versionKey(ref: { readonly workflowName: string; readonly versionHash: string }): string {
  return `${ref.workflowName}\u0000${ref.versionHash}`;
}
