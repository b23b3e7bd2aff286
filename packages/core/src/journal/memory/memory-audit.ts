import { isTerminal } from "../../model/run-status.ts";
import type { AuditCheck, AuditFinding, AuditRecord, Finding } from "../journal-inspector.ts";
import { auditChecks } from "../journal-inspector.ts";
import { sampleLimit } from "../inspector-limits.ts";
import { attemptDeadline } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";

/** The journal's invariants over the memory journal (see auditChecks); the same rules as audit-journal.ts. */
export function memoryAudit(
  store: MemoryStore,
  request: { readonly sampleLimit?: number } = {},
): AuditRecord {
  const now = store.clock.now();
  const limit = sampleLimit(request.sampleLimit);
  const found = Object.fromEntries(auditChecks.map((check) => [check, [] as AuditFinding[]])) as Record<
    AuditCheck,
    AuditFinding[]
  >;
  for (const run of store.runs.values()) {
    const seqs = run.history.map((event) => event.seq);
    const distinct = new Set(seqs);
    if (distinct.size < seqs.length)
      found.history_duplicates.push({
        runId: run.runId,
        detail: `${seqs.length - distinct.size} duplicate seq(s)`,
      });
    const max = Math.max(0, ...seqs);
    if (distinct.size !== run.lastSeq || max !== run.lastSeq || (seqs.length > 0 && Math.min(...seqs) !== 1))
      found.history_gaps.push({
        runId: run.runId,
        detail: `${distinct.size} distinct event(s), highest seq ${max}, lastSeq ${run.lastSeq}`,
      });
    if (run.parentRunId !== undefined && !store.runs.has(run.parentRunId))
      found.missing_parents.push({ runId: run.runId, detail: `parent ${run.parentRunId} does not exist` });
    if (run.continuedTo !== undefined && !store.runs.has(run.continuedTo))
      found.broken_chains.push({ runId: run.runId, detail: `successor ${run.continuedTo} does not exist` });
    if (isTerminal(run.status)) {
      const work = [
        ...(run.leaseOwner === undefined ? [] : ["a lease"]),
        ...(run.inbox.length === 0 ? [] : [`${run.inbox.length} inbox item(s)`]),
        ...count([...store.timers.values()].filter((t) => t.runId === run.runId).length, "timer(s)"),
        ...count(
          [...store.tasks.values()].filter(
            (t) => t.runId === run.runId && t.state === "ready" && t.detached !== true,
          ).length,
          "queued task(s)",
        ),
      ];
      if (work.length > 0)
        found.finished_runs_with_work.push({
          runId: run.runId,
          detail: `${run.status} but has ${work.join(", ")}`,
        });
    } else if (run.leaseOwner !== undefined && (run.leaseExpiresAt ?? 0) < now)
      found.leases_past_expiry.push({ runId: run.runId, detail: `run lease of ${run.leaseOwner} expired` });
  }
  for (const task of store.tasks.values())
    if (task.state === "running" && attemptDeadline(task) < now)
      found.leases_past_expiry.push({
        runId: task.runId,
        detail: `attempt ${task.attempt} of task ${task.taskId} (${task.activityName}) expired`,
      });
  const findings = Object.fromEntries(
    auditChecks.map((check): [AuditCheck, Finding<AuditFinding>] => {
      const sorted = found[check].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
      return [check, { count: sorted.length, sample: sorted.slice(0, limit) }];
    }),
  ) as Record<AuditCheck, Finding<AuditFinding>>;
  return { now, runs: store.runs.size, findings };
}

function count(n: number, what: string): string[] {
  return n === 0 ? [] : [`${n} ${what}`];
}
