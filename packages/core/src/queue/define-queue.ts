import { InvalidQueueOptionError } from "../errors/queue-errors.ts";
import type { RunQueueConfig } from "../journal/run-queue-types.ts";
import { IdentifierKind, checkIdentifier } from "../validation/identifier.ts";
import { checkOptionalNumber } from "../validation/numbers.ts";

const maxCount = 1_000_000;
const maxPeriodMs = 365 * 24 * 3_600_000;

/** Options of {@link defineQueue}; every limit is optional (absent: unlimited). */
export interface QueueOptions {
  /**
   * Runs of this queue executing at once, across every engine. A run executes from the moment
   * it is dequeued until it ends (completed, failed, cancelled or continued as new), whether it
   * is running code, sleeping, or waiting for an activity or a signal: DBOS's semantics.
   */
  readonly concurrency?: number;
  /** Runs dequeued by one engine that have not ended yet. */
  readonly perEngineConcurrency?: number;
  /** At most `limit` runs dequeued in any window of `period` ms (a sliding window). */
  readonly rateLimit?: { readonly limit: number; readonly period: number };
  /** Priority of starts that name none: lower numbers run first, FIFO within a priority. Default 0. */
  readonly priority?: number;
  /**
   * Partitioned queue (DBOS's partitioned queues): every start names a `partitionKey`
   * (`client.start(def, input, { queue, partitionKey: "customer-42" })`) and every limit above
   * applies to each key on its own: `concurrency: 1` runs one run per customer at a time, any
   * number of customers in parallel.
   */
  readonly partitionKey?: boolean;
}

/** A named run queue, made by {@link defineQueue}; pass it to `client.start` and `createEngine`. */
export interface QueueDefinition {
  readonly kind: "queue";
  readonly name: string;
  readonly options: QueueOptions;
  /** The limits as the journal stores them. */
  readonly config: RunQueueConfig;
}

/**
 * Defines a named run queue: runs started into it wait until an engine that serves the queue
 * dequeues them within its limits. The limits are stored in the journal (last writer wins), so
 * every engine and client agrees on them; engines that list the queue in `createEngine({ queues })`
 * dequeue from it.
 *
 * @example
 * ```ts
 * export const emails = defineQueue("emails", { concurrency: 10, rateLimit: { limit: 100, period: 60_000 } });
 * const engine = createEngine({ journal, workflows: [sendEmail], queues: [emails] });
 * await client.start(sendEmail, { to }, { queue: emails, dedupeKey: `welcome:${to}` });
 * ```
 */
export function defineQueue(name: string, options: QueueOptions = {}): QueueDefinition {
  checkIdentifier(IdentifierKind.name, name, "queue name");
  const count = { min: 1, max: maxCount, integer: true };
  const concurrency = checkOptionalNumber(options.concurrency, "queue concurrency", count);
  const perEngine = checkOptionalNumber(options.perEngineConcurrency, "queue perEngineConcurrency", count);
  const priority = checkOptionalNumber(options.priority, "queue priority", priorityRange);
  let rateLimit: RunQueueConfig["rateLimit"];
  if (options.rateLimit !== undefined) {
    if (typeof options.rateLimit !== "object" || options.rateLimit === null)
      throw new InvalidQueueOptionError(
        name,
        "rateLimit must be an object",
        "pass rateLimit as { limit, period } (period in ms)",
      );
    rateLimit = {
      limit: checkOptionalNumber(options.rateLimit.limit, "queue rateLimit.limit", count) ?? 0,
      periodMs:
        checkOptionalNumber(options.rateLimit.period, "queue rateLimit.period", {
          min: 1,
          max: maxPeriodMs,
          integer: true,
        }) ?? 0,
    };
    if (rateLimit.limit === 0 || rateLimit.periodMs === 0)
      throw new InvalidQueueOptionError(
        name,
        "rateLimit needs both limit and period",
        "pass rateLimit as { limit: runs, period: ms }, e.g. { limit: 100, period: 60_000 }",
      );
  }
  if (options.partitionKey !== undefined && typeof options.partitionKey !== "boolean")
    throw new InvalidQueueOptionError(
      name,
      "partitionKey must be true or false",
      "pass { partitionKey: true } and name the key at each start: { queue, partitionKey: customerId }",
    );
  const config: RunQueueConfig = {
    name,
    ...(options.partitionKey === true ? { partitioned: true } : {}),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(perEngine === undefined ? {} : { perEngineConcurrency: perEngine }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(priority === undefined ? {} : { defaultPriority: priority }),
  };
  return Object.freeze({ kind: "queue" as const, name, options: Object.freeze({ ...options }), config });
}

/** Priorities are 32-bit integers (lower first). */
export const priorityRange = { min: -2_147_483_648, max: 2_147_483_647, integer: true } as const;

/** True when `value` is a queue made by {@link defineQueue}. */
export function isQueueDefinition(value: unknown): value is QueueDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "queue" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}
