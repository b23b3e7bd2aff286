import { InvalidQueueOptionError } from "../errors/queue-errors.ts";
import type { Journal, RunQueueStart } from "../journal/journal.ts";
import { IdentifierKind, checkOptionalIdentifier } from "../validation/identifier.ts";
import { Limits } from "../validation/limits.ts";
import { checkOptionalNumber } from "../validation/numbers.ts";
import { isQueueDefinition, priorityRange, type QueueDefinition } from "./define-queue.ts";

/** The queue options of `client.start` (see StartOptions). */
export interface QueueStartOptions {
  readonly queue?: QueueDefinition;
  readonly priority?: number;
  readonly dedupeKey?: string;
  readonly debounce?: number;
  /** Partitioned queues (`defineQueue(name, { partitionKey: true })`): the partition of this run. */
  readonly partitionKey?: string;
}

/**
 * Checks a start's queue options and turns them into the journal's {@link RunQueueStart};
 * undefined when the start names no queue. `priority`, `dedupeKey` and `debounce` need a queue.
 */
export function queuedStart(options: QueueStartOptions): RunQueueStart | undefined {
  const { queue, priority, dedupeKey, debounce, partitionKey } = options;
  if (queue === undefined) {
    if (
      priority !== undefined ||
      dedupeKey !== undefined ||
      debounce !== undefined ||
      partitionKey !== undefined
    )
      throw new InvalidQueueOptionError(
        "(none)",
        "priority, dedupeKey, debounce and partitionKey apply to queued starts only",
        "pass { queue: myQueue } (a defineQueue result) with them, or leave them out",
      );
    return undefined;
  }
  if (!isQueueDefinition(queue))
    throw new InvalidQueueOptionError(
      String((queue as { name?: unknown } | null)?.name ?? queue),
      "is not a queue made by defineQueue",
      'pass the value defineQueue("name", { ... }) returned',
    );
  const checkedPriority = checkOptionalNumber(priority, "start priority", priorityRange);
  const key = checkOptionalIdentifier(IdentifierKind.id, dedupeKey, "dedupeKey");
  const debounceMs = checkOptionalNumber(debounce, "debounce", { min: 0, max: Limits.maxTimerMs });
  if (debounceMs !== undefined && key === undefined)
    throw new InvalidQueueOptionError(
      queue.name,
      "debounce needs a dedupeKey (the key names what is debounced)",
      "pass { queue, dedupeKey: `refresh:${userId}`, debounce: 5_000 }",
    );
  const partition = checkOptionalIdentifier(IdentifierKind.id, partitionKey, "partitionKey");
  if (queue.config.partitioned === true && partition === undefined)
    throw new InvalidQueueOptionError(
      queue.name,
      "is partitioned: a start into it needs a partitionKey",
      "pass { queue, partitionKey: customerId } (the key its limits are counted per)",
    );
  if (queue.config.partitioned !== true && partition !== undefined)
    throw new InvalidQueueOptionError(
      queue.name,
      "is not partitioned: a partitionKey means nothing here",
      "define the queue with { partitionKey: true }, or leave partitionKey out",
    );
  return {
    name: queue.name,
    ...(partition === undefined ? {} : { partitionKey: partition }),
    ...(checkedPriority === undefined ? {} : { priority: checkedPriority }),
    ...(key === undefined ? {} : { dedupeKey: key }),
    ...(debounceMs === undefined ? {} : { debounceMs }),
  };
}

/**
 * Stores each queue's limits in the journal once per process and journal (the journal skips the
 * write when nothing changed), so that a client's first start into a queue makes it known to
 * every engine.
 */
export function createQueueDefiner(journal: Journal): (queue: QueueDefinition) => Promise<void> {
  const defined = new Map<string, Promise<void>>();
  return (queue) => {
    const key = JSON.stringify(queue.config);
    let pending = defined.get(key);
    if (pending === undefined) {
      pending = journal.defineQueues([queue.config]);
      defined.set(key, pending);
      pending.catch(() => defined.delete(key));
    }
    return pending;
  };
}
