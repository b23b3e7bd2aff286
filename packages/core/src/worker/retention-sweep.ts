import type { Journal } from "../journal/journal.ts";
import type { AnyWorkflowDefinition } from "./definition-info.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";

/** Settings of the engine's retention sweep (see EngineOptions.retention). */
export interface RetentionSweepSettings {
  readonly journal: Journal;
  /** The namespaces swept (the engine's served ones). */
  readonly namespaces: readonly string[];
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly defaultMs: number | undefined;
  /** A namespace's default in place of `defaultMs` (absent: `defaultMs`). */
  readonly defaultByNamespace?: ReadonlyMap<string, number>;
  readonly batchSize: number;
  /** Batches per workflow per round: a first sweep over a year of history spreads over rounds. */
  readonly maxBatches: number;
  readonly events: EngineEventEmitter;
}

/**
 * Retention per registered workflow: the highest registered version's `retention`, else the
 * engine's default. Workflows without either are never swept. An engine deletes runs only of
 * the workflows it registers, in the namespaces it serves: an engine that does not know a workflow has no
 * say in how long its runs are kept.
 */
export function retentionByWorkflow(
  workflows: readonly AnyWorkflowDefinition[],
  defaultMs: number | undefined,
): Map<string, number> {
  const latest = new Map<string, AnyWorkflowDefinition>();
  for (const definition of workflows) {
    const seen = latest.get(definition.name);
    if (seen === undefined || definition.version > seen.version) latest.set(definition.name, definition);
  }
  const result = new Map<string, number>();
  for (const [name, definition] of latest) {
    const ms = definition.retention ?? defaultMs;
    if (ms !== undefined) result.set(name, ms);
  }
  return result;
}

/**
 * One sweep round: for each workflow with a retention, deletes closed run trees older than it
 * in batches of `batchSize` runs (one short transaction each, see Journal.deleteClosedRuns),
 * until a batch comes back short or `maxBatches` ran. Returns the runs deleted.
 */
export function createRetentionSweep(settings: RetentionSweepSettings): {
  readonly enabled: boolean;
  sweep(): Promise<number>;
} {
  const plans = settings.namespaces.map((namespace) => ({
    namespace,
    retention: retentionByWorkflow(
      settings.workflows,
      settings.defaultByNamespace?.get(namespace) ?? settings.defaultMs,
    ),
  }));
  return {
    enabled: plans.some((plan) => plan.retention.size > 0),
    async sweep() {
      let total = 0;
      for (const { namespace, retention } of plans) total += await sweepNamespace(namespace, retention);
      return total;
    },
  };

  async function sweepNamespace(namespace: string, retention: ReadonlyMap<string, number>): Promise<number> {
    let total = 0;
    for (const [workflowName, ms] of retention) {
      const startedAt = performance.now();
      const closedBefore = (await settings.journal.now()) - ms;
      let runs = 0;
      let events = 0;
      for (let batch = 0; batch < settings.maxBatches; batch++) {
        const deleted = await settings.journal.deleteClosedRuns({
          closedBefore,
          workflowName,
          namespace,
          limit: settings.batchSize,
        });
        runs += deleted.runs;
        events += deleted.events;
        if (deleted.runs < settings.batchSize) break;
      }
      if (runs > 0)
        emitEvent(settings.events, "retention.deleted", {
          namespace,
          workflowName,
          runs,
          events,
          closedBefore,
          durationMs: performance.now() - startedAt,
        });
      total += runs;
    }
    return total;
  }
}
