import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { isQueueDefinition, type QueueDefinition } from "../queue/define-queue.ts";
import {
  IdentifierKind,
  Limits,
  checkIdentifier,
  checkJournalOption,
  describeValue,
} from "../validation/index.ts";
import type { EngineOptions } from "./engine-options.ts";

/** {@link EngineOptions} with defaults applied and ranges checked, as the engine uses them. */
export interface ResolvedEngineSettings {
  readonly owner: string;
  readonly namespace: string;
  readonly workflowConcurrency: number;
  readonly activityConcurrency: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly cacheSize: number;
  readonly shutdownTimeoutMs: number;
  readonly driftBackoffMs: number;
  readonly stepErrorBackoff: { readonly initialMs: number; readonly maxMs: number };
  readonly unknownVersionAfterMs: number;
  readonly unservedWorkflowAfterMs: number;
  readonly retention: {
    readonly defaultMs: number | undefined;
    readonly intervalMs: number;
    readonly batchSize: number;
    readonly maxBatches: number;
  };
  /** Absent: the engine does not keep partitions. */
  readonly partitions: { readonly monthsAhead: number; readonly intervalMs: number } | undefined;
}

/** Applies defaults and rejects out-of-range settings with a clear error. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineSettings {
  checkJournalOption((options as Partial<EngineOptions> | undefined)?.journal);
  if (!Array.isArray(options.workflows))
    throw new InvalidEngineOptionError(
      "workflows",
      describeValue(options.workflows),
      "a list of workflow definitions",
    );
  if (options.activities !== undefined && !Array.isArray(options.activities))
    throw new InvalidEngineOptionError(
      "activities",
      describeValue(options.activities),
      "a list of activity definitions",
    );
  // Durations feed setTimeout, which fires at once (and so spins) past 2^31 - 1 ms.
  const positiveInt = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value <= 0 || value > Limits.maxTimerMs)
      throw new InvalidEngineOptionError(name, value, `an integer from 1 to ${Limits.maxTimerMs}`);
    return value;
  };
  const nonNegativeInt = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value < 0 || value > Limits.maxTimerMs)
      throw new InvalidEngineOptionError(name, value, `an integer from 0 to ${Limits.maxTimerMs}`);
    return value;
  };
  const positiveSafe = (name: string, value: number): number => {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new InvalidEngineOptionError(name, value, "a positive integer of milliseconds, e.g. days(90)");
    return value;
  };
  return {
    owner: checkIdentifier(
      IdentifierKind.namespace,
      options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      "engine owner",
    ),
    namespace: checkIdentifier(IdentifierKind.namespace, options.namespace ?? "default", "namespace"),
    workflowConcurrency: positiveInt("concurrency.workflows", options.concurrency?.workflows ?? 16),
    activityConcurrency: positiveInt("concurrency.activities", options.concurrency?.activities ?? 32),
    leaseMs: positiveInt("leaseMs", options.leaseMs ?? 30_000),
    pollIntervalMs: positiveInt("pollIntervalMs", options.pollIntervalMs ?? 1_000),
    cacheSize: nonNegativeInt("cacheSize", options.cacheSize ?? 1_000),
    shutdownTimeoutMs: nonNegativeInt("shutdownTimeoutMs", options.shutdownTimeoutMs ?? 10_000),
    driftBackoffMs: nonNegativeInt("driftBackoffMs", options.driftBackoffMs ?? 60_000),
    stepErrorBackoff: {
      initialMs: nonNegativeInt("stepErrorBackoff.initialMs", options.stepErrorBackoff?.initialMs ?? 1_000),
      maxMs: nonNegativeInt("stepErrorBackoff.maxMs", options.stepErrorBackoff?.maxMs ?? 60_000),
    },
    unknownVersionAfterMs: nonNegativeInt("unknownVersionAfterMs", options.unknownVersionAfterMs ?? 30_000),
    unservedWorkflowAfterMs: nonNegativeInt(
      "unservedWorkflowAfterMs",
      options.unservedWorkflowAfterMs ?? 60_000,
    ),
    retention: {
      defaultMs:
        options.retention?.defaultMs === undefined
          ? undefined
          : positiveSafe("retention.defaultMs", options.retention.defaultMs),
      intervalMs: positiveInt("retention.intervalMs", options.retention?.intervalMs ?? 600_000),
      batchSize: positiveInt("retention.batchSize", options.retention?.batchSize ?? 500),
      maxBatches: positiveInt("retention.maxBatches", options.retention?.maxBatches ?? 20),
    },
    partitions:
      options.partitions === false
        ? undefined
        : {
            monthsAhead: positiveInt("partitions.monthsAhead", options.partitions?.monthsAhead ?? 3),
            intervalMs: positiveInt("partitions.intervalMs", options.partitions?.intervalMs ?? 3_600_000),
          },
  };
}

/** Checks the `queues` option: defineQueue results with distinct names (absent: none). */
export function checkQueues(queues: readonly QueueDefinition[] | undefined): readonly QueueDefinition[] {
  if (queues === undefined) return [];
  if (!Array.isArray(queues))
    throw new InvalidEngineOptionError("queues", describeValue(queues), "an array of defineQueue results");
  const names = new Set<string>();
  for (const queue of queues as readonly unknown[]) {
    if (!isQueueDefinition(queue) || names.has(queue.name))
      throw new InvalidEngineOptionError(
        "queues",
        describeValue(queue),
        "defineQueue results, each queue name once",
      );
    names.add(queue.name);
  }
  return queues;
}
