import type { UnservedWorkflow, UnservedWorkflowsRequest } from "../journal.ts";
import type { MemoryStore } from "./memory-store.ts";

/** Ready, unleased, undeferred runs of workflows not in `registered`, counted per (namespace, name). */
export function listUnservedWorkflows(
  store: MemoryStore,
  request: UnservedWorkflowsRequest,
): UnservedWorkflow[] {
  if (request.limit <= 0) return [];
  const now = store.clock.now();
  const registered = new Set(request.registered);
  const counts = new Map<string, UnservedWorkflow>();
  for (const row of store.runs.values()) {
    if (
      row.status !== "running" ||
      !(row.inbox.length > 0 || !row.stepped) ||
      (request.namespace !== undefined && row.namespace !== request.namespace) ||
      registered.has(row.workflowName) ||
      (row.notBefore !== undefined && row.notBefore > now) ||
      (row.leaseOwner !== undefined && (row.leaseExpiresAt ?? 0) > now) ||
      (row.inbox[0]?.receivedAt ?? row.updatedAt) > now - request.waitingForMs
    )
      continue;
    const key = JSON.stringify([row.namespace, row.workflowName]);
    const seen = counts.get(key);
    counts.set(key, {
      namespace: row.namespace,
      workflowName: row.workflowName,
      runs: (seen?.runs ?? 0) + 1,
    });
  }
  return [...counts.values()]
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.workflowName, b.workflowName))
    .slice(0, request.limit);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
