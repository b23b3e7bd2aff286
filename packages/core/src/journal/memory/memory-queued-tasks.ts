import type { ClaimQueuedTasksRequest, QueuedTaskClaims } from "../journal.ts";
import { isTerminal } from "../../model/run-status.ts";
import { allowanceLimits, queueAllowance } from "../queue-allowance.ts";
import { attemptDeadline } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";
import { dueAt, startAttempt } from "./memory-tasks.ts";

/** See `Journal.claimQueuedTasks` (and claim-queued-tasks.ts for the SQL twin). */
export function claimQueuedTasks(store: MemoryStore, request: ClaimQueuedTasksRequest): QueuedTaskClaims[] {
  const results: QueuedTaskClaims[] = [];
  const now = store.clock.now();
  const names = new Set(request.activityNames);
  let left = request.limit;
  for (const queue of request.queues) {
    if (left <= 0) break;
    const config = store.queues.get(queue);
    if (config === undefined) continue;
    const tasks = [...store.tasks.values()].filter((task) => task.options.queue === queue);
    const isDue = (task: (typeof tasks)[number]): boolean => {
      const run = store.runs.get(task.runId);
      const live = task.detached === true || (run !== undefined && !isTerminal(run.status));
      return (
        live &&
        names.has(task.activityName) &&
        dueAt(task) <= now &&
        !(task.state === "running" && task.attempt >= task.options.retry.maxAttempts)
      );
    };
    const due = tasks.filter(isDue);
    if (due.length === 0) continue;
    const active = tasks.filter((task) => task.state === "running" && attemptDeadline(task) > now);
    const starts = (store.queueAttemptStarts.get(queue) ?? []).filter(
      (at) => config.rateLimit !== undefined && at > now - config.rateLimit.periodMs,
    );
    const { allowed, limitedBy } = queueAllowance(left, allowanceLimits(config), {
      active: active.length,
      mine: active.filter((task) => task.owner === request.owner).length,
      recent: starts.length,
    });
    const taken = due.sort((a, b) => dueAt(a) - dueAt(b) || a.order - b.order).slice(0, Math.max(0, allowed));
    const claims = taken.map((task) => {
      task.owner = request.owner;
      return startAttempt(task, now, request.attemptLeaseMs);
    });
    if (config.rateLimit !== undefined)
      store.queueAttemptStarts.set(queue, [...starts, ...claims.map(() => now)]);
    left -= claims.length;
    const moreDue = due.length > taken.length;
    results.push({
      queue,
      claims,
      moreDue,
      ...(moreDue && limitedBy !== undefined ? { throttled: limitedBy } : {}),
    });
  }
  return results;
}
