import type { RunQueueThrottle, TaskClaim } from "../journal/journal.ts";
import { emitEvent } from "./engine-events.ts";
import type { ActivityPoolOptions } from "./activity-pool-options.ts";

/** What one claim from the activity queues gave. */
export interface QueuedClaims {
  readonly claims: TaskClaim[];
  /**
   * Due tasks were held back by busy slots (not by a rate limit): a settling attempt is worth
   * a claim at once.
   */
  readonly more: boolean;
}

/**
 * Claims an activity pool's tasks from its named queues, whose limits bound them: stores the
 * queues' limits on the first claim and reports each throttling episode once
 * (`activity.throttled`), not on every claim round.
 */
export interface QueuedTaskClaimer {
  /** Claims up to `limit` tasks from the pool's queues (none when it has no queue). */
  claim(limit: number): Promise<QueuedClaims>;
}

/** Creates the {@link QueuedTaskClaimer} of a pool. */
export function createQueuedTaskClaimer(
  options: Pick<ActivityPoolOptions, "journal" | "owner" | "events" | "queues" | "attemptLeaseMs">,
  activityNames: readonly string[],
): QueuedTaskClaimer {
  const { journal, owner, events, attemptLeaseMs } = options;
  const queues = options.queues ?? [];
  const queueNames = queues.map((queue) => queue.name);
  let queuesDefined = false;
  /** The reason each throttled queue last gave (`activity.throttled` once per episode). */
  const throttled = new Map<string, RunQueueThrottle>();

  return {
    async claim(limit) {
      if (queueNames.length === 0) return { claims: [], more: false };
      if (!queuesDefined) {
        await journal.defineQueues(queues);
        queuesDefined = true;
      }
      const results = await journal.claimQueuedTasks({
        owner,
        queues: queueNames,
        limit,
        activityNames,
        ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
      });
      const claims: TaskClaim[] = [];
      let more = false;
      for (const result of results) {
        claims.push(...result.claims);
        if (result.throttled === undefined) throttled.delete(result.queue);
        else if (throttled.get(result.queue) !== result.throttled) {
          throttled.set(result.queue, result.throttled);
          emitEvent(events, "activity.throttled", { queue: result.queue, reason: result.throttled });
        }
        // Held back by busy slots: a settling attempt (maybe of this queue) is worth a claim at
        // once, so the pool reports a backlog. A rate limit frees nothing on a settle.
        if (result.moreDue && result.throttled !== "rate_limit") more = true;
      }
      return { claims, more };
    },
  };
}
