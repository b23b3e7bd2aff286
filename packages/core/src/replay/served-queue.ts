import { InvalidQueueOptionError } from "../errors/queue-errors.ts";

/**
 * Throws CTM_INVALID_QUEUE_OPTION when a new activity call is routed to a queue the engine does
 * not serve (`served`: its `queues` and its activities' own; undefined: not checked). Only new
 * calls are checked: a recorded call keeps the routing it was made with, whichever engine
 * replays it, so replay never depends on an engine's configuration.
 *
 * @example
 * ```ts
 * checkServedQueue(new Set(["crm"]), "crm.upsert", "bulk"); // throws: no engine serves "bulk"
 * ```
 */
export function checkServedQueue(
  served: ReadonlySet<string> | undefined,
  activityName: string,
  queue: string | undefined,
): void {
  if (served === undefined || queue === undefined || served.has(queue)) return;
  throw new InvalidQueueOptionError(
    queue,
    `is not served by this engine, so the attempts of ${activityName} routed to it would never start`,
    `list the queue in createEngine({ queues: [...] }) on the engines that run ${activityName} (or route one of their activities to it with defineActivity(..., { queue }))`,
  );
}
