import type { RunQueueConfig } from "../journal/journal.ts";
import type { QueueDefinition } from "../queue/define-queue.ts";
import type { AnyActivityDefinition } from "./definition-info.ts";

/**
 * The named queues the engine serves activity attempts in: its run queues (a call may route an
 * attempt to any of them) and those its activities are routed to (`defineActivity(..., { queue })`),
 * one config per name (the last definition wins, as in the journal). The activity pool claims
 * from these, and a new activity call routed to any other queue is refused (replay/served-queue.ts).
 *
 * @example
 * ```ts
 * attemptQueues([upsertContact], [bulkImports.config]); // [bulkImports.config, crm.config]
 * ```
 */
export function attemptQueues(
  activities: readonly AnyActivityDefinition[],
  runQueues: readonly RunQueueConfig[] = [],
): RunQueueConfig[] {
  const byName = new Map<string, RunQueueConfig>(runQueues.map((config) => [config.name, config]));
  for (const definition of activities) {
    const queue = (definition.options as { readonly queue?: QueueDefinition }).queue;
    if (queue !== undefined) byName.set(queue.name, queue.config);
  }
  return [...byName.values()];
}
