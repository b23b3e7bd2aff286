import type { JournalInspector } from "./journal-inspector.ts";
import type { RepairItem, RepairPlanRequest } from "./journal-admin.ts";
import type { RunRecord } from "./journal-types.ts";
import { sampleLimit, staleAfter } from "./inspector-limits.ts";

/**
 * The dry run of a repair, the same on every journal: the health report's finding (its sample,
 * up to `limit` rows, oldest first), each row read again with the state its execution will be
 * fenced on. A row whose condition stopped holding between the two reads is left out. Read-only.
 */
export async function planRepair(
  inspector: JournalInspector,
  getRun: (runId: string) => Promise<RunRecord | undefined>,
  request: RepairPlanRequest,
): Promise<RepairItem[]> {
  const stale = staleAfter(request.staleAfterMs);
  const report = await inspector.health({
    ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
    staleAfterMs: stale,
    sampleLimit: sampleLimit(request.limit ?? 100),
  });
  switch (request.kind) {
    case "overdue-timers":
      return report.overdueTimers.sample.map((t) => ({
        kind: "fire_timer",
        runId: t.runId,
        identity: t.identity,
        fireAt: t.fireAt,
      }));
    case "expired-leases": {
      const items: RepairItem[] = [];
      for (const found of report.expiredRunLeases.sample) {
        const run = await getRun(found.runId);
        if (run?.leaseOwner === undefined || run.leaseExpiresAt === undefined) continue;
        if (run.leaseExpiresAt > report.now - stale || !isOpen(run)) continue;
        items.push({
          kind: "release_lease",
          runId: run.runId,
          fencingToken: run.fencingToken,
          leaseOwner: run.leaseOwner,
          leaseExpiresAt: run.leaseExpiresAt,
        });
      }
      return items;
    }
    case "lost-wakes": {
      const items: RepairItem[] = [];
      for (const found of report.idleRuns.sample) {
        const run = await getRun(found.runId);
        if (run === undefined || run.status !== "running" || run.updatedAt !== found.since) continue;
        items.push({ kind: "mark_ready", runId: run.runId, lastSeq: run.lastSeq, updatedAt: run.updatedAt });
      }
      return items;
    }
  }
}

function isOpen(run: RunRecord): boolean {
  return run.status === "running" || run.status === "stuck_unknown_version";
}
