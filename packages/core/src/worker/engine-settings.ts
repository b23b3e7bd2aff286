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
  /** Every namespace served (the home one included), without duplicates. */
  readonly namespaces: readonly string[];
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
    /** Default retention per served namespace (checked: served, positive). */
    readonly byNamespace: ReadonlyMap<string, number>;
    readonly intervalMs: number;
    readonly batchSize: number;
    readonly maxBatches: number;
  };
  /** Absent: the engine does not keep partitions. */
  readonly partitions:
    { readonly monthsAhead: number; readonly intervalMs: number; readonly dropUnused: boolean } | undefined;
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
  const served = servedNamespaces(options);
  const byNamespace = new Map<string, number>();
  for (const [namespace, ms] of Object.entries(options.retention?.byNamespace ?? {})) {
    if (!served.namespaces.includes(namespace))
      throw new InvalidEngineOptionError(
        `retention.byNamespace.${namespace}`,
        ms,
        `a namespace this engine serves (${served.namespaces.join(", ")})`,
      );
    byNamespace.set(namespace, positiveSafe(`retention.byNamespace.${namespace}`, ms));
  }
  return {
    owner: checkIdentifier(
      IdentifierKind.namespace,
      options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      "engine owner",
    ),
    ...served,
    // 100 each: a step slot mostly waits on the database (the pool bounds the real parallelism)
    // and an attempt slot on I/O. With fewer, a process with more runs in flight than slots loses
    // the eager start (hint, claim, history read) and the sticky attempt (task claim, finishTask,
    // inbox): 13 statements per 3-step workflow at 50 in flight with 16/32, 5.7 with 100/100
    // (bench/src/budget.ts 300 50).
    workflowConcurrency: positiveInt("concurrency.workflows", options.concurrency?.workflows ?? 100),
    activityConcurrency: positiveInt("concurrency.activities", options.concurrency?.activities ?? 100),
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
      byNamespace,
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
            dropUnused: options.partitions?.dropUnused ?? true,
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

/**
 * The home namespace and every namespace served (see EngineOptions.namespace/namespaces),
 * checked: names valid, the list not empty, the home one in it.
 */
function servedNamespaces(options: EngineOptions): { namespace: string; namespaces: readonly string[] } {
  if (
    options.namespaces !== undefined &&
    (!Array.isArray(options.namespaces) || options.namespaces.length === 0)
  )
    throw new InvalidEngineOptionError(
      "namespaces",
      options.namespaces,
      'a non-empty array of namespaces, e.g. ["billing", "billing-eu"]',
    );
  const listed = (options.namespaces ?? []).map((ns) =>
    checkIdentifier(IdentifierKind.namespace, ns, "namespace"),
  );
  const namespace = checkIdentifier(
    IdentifierKind.namespace,
    options.namespace ?? listed[0] ?? "default",
    "namespace",
  );
  if (listed.length > 0 && !listed.includes(namespace))
    throw new InvalidEngineOptionError(
      "namespace",
      namespace,
      `one of namespaces (${listed.join(", ")}), or leave it out to use the first`,
    );
  return { namespace, namespaces: listed.length > 0 ? [...new Set(listed)] : [namespace] };
}
