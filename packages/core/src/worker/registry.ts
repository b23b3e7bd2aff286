import { AsyncLocalStorage } from "node:async_hooks";
import type { WorkflowVersionRef } from "../journal/journal.ts";
import type { Execution, ExecutionRun, LogSink } from "../replay/execution-contract.ts";
import { createExecution } from "../replay/index.ts";
import { isActivityDefinition } from "../workflow/index.ts";
import { InvalidActivityDefinitionError } from "../errors/workflow-errors.ts";
import {
  ActivityAlreadyRegisteredError,
  WorkflowAlreadyRegisteredError,
  WorkflowNotRegisteredError,
  WorkflowVersionConflictError,
} from "../errors/engine-errors.ts";
import type { EffectScope } from "../workflow/effect-host.ts";
import type { ActivityImplementation } from "./activity-pool.ts";
import { workflowInfo, type AnyActivityDefinition, type AnyWorkflowDefinition } from "./definition-info.ts";

/**
 * The code one engine has: workflows by (name, version hash) and activities by name. Built once
 * at engine creation; everything it claims from the journal is filtered by these, so a process
 * never takes a run or task it cannot execute, and a run is only ever replayed by the code
 * whose version hash it started with (content-addressed dispatch).
 */
export interface Registry {
  /** The newest registered version (highest `version`) of `name`: what new runs start on. */
  workflow(name: string): AnyWorkflowDefinition;
  /** The version of `name` whose hash is `versionHash`, if this engine has it. */
  workflowVersion(name: string, versionHash: string): AnyWorkflowDefinition | undefined;
  workflowNames(): string[];
  /** Every registered (name, version hash) pair. */
  workflowVersions(): WorkflowVersionRef[];
  activityImplementations(): Map<string, ActivityImplementation>;
  /**
   * Builds an execution of `definition` by replaying `run.history`. `now` is the step's journal
   * time; `silent` drops the execution's log() lines (a check replay must not log twice).
   */
  createExecution(
    definition: AnyWorkflowDefinition,
    run: ExecutionRun,
    options?: { now?: number; silent?: boolean; sideEffects?: "refuse" },
  ): Promise<Execution>;
}

/**
 * Which run's code is running, across awaits: an effect is journaled only into the run whose
 * code called it, never into whichever run's turn happens to be open. One per process.
 */
const effectScopes = new AsyncLocalStorage<EffectScope>();

/**
 * Checks and indexes the definitions. Every workflow must carry the transformer's stamp.
 * Several versions of one workflow may be registered side by side (same name, different
 * version hashes) so that runs started on each keep replaying on their own code; they must
 * have distinct `version` numbers, because the highest one is what new runs start on. A version
 * may take over the runs of hashes it lists in `replaces` (when those are not registered). The same
 * definition listed twice is accepted once; two different definitions with one name and one
 * hash are refused, because which one would run a given run would be an accident.
 */
export function createRegistry(
  workflows: readonly AnyWorkflowDefinition[],
  activities: readonly AnyActivityDefinition[],
  logSink?: LogSink,
  queues?: ReadonlySet<string>,
): Registry {
  /** name -> versionHash -> definition */
  const versionsByName = new Map<string, Map<string, AnyWorkflowDefinition>>();
  const newestByName = new Map<string, AnyWorkflowDefinition>();
  for (const definition of workflows) {
    const { name, versionHash } = workflowInfo(definition);
    const versions = versionsByName.get(name) ?? new Map<string, AnyWorkflowDefinition>();
    versionsByName.set(name, versions);
    const existing = versions.get(versionHash);
    if (existing !== undefined) {
      if (existing !== definition) throw new WorkflowAlreadyRegisteredError(name);
      continue;
    }
    for (const [otherHash, other] of versions) {
      if (other.version === definition.version)
        throw new WorkflowVersionConflictError(name, definition.version, [otherHash, versionHash]);
    }
    versions.set(versionHash, definition);
    const newest = newestByName.get(name);
    if (newest === undefined || definition.version > newest.version) newestByName.set(name, definition);
  }
  const activitiesByName = new Map<string, AnyActivityDefinition>();
  for (const definition of activities) {
    if (!isActivityDefinition(definition)) {
      throw new InvalidActivityDefinitionError(
        String((definition as { name?: unknown } | undefined)?.name),
        "definition",
        "is not an activity definition",
        "pass values made by defineActivity(name, fn, options)",
      );
    }
    const existing = activitiesByName.get(definition.name);
    if (existing !== undefined && existing !== definition)
      throw new ActivityAlreadyRegisteredError(definition.name);
    activitiesByName.set(definition.name, definition);
  }
  // Hashes a registered version takes over (`replaces`), where that exact version is not registered.
  for (const [name, versions] of versionsByName) {
    const adopted = new Map<string, AnyWorkflowDefinition>();
    for (const definition of versions.values()) {
      for (const hash of definition.replaces ?? []) {
        if (versions.has(hash)) continue;
        const other = adopted.get(hash);
        if (other !== undefined && other !== definition)
          throw new WorkflowVersionConflictError(name, definition.version, [hash]);
        adopted.set(hash, definition);
      }
    }
    for (const [hash, definition] of adopted) versions.set(hash, definition);
  }
  const pairs: WorkflowVersionRef[] = [...versionsByName].flatMap(([workflowName, versions]) =>
    [...versions.keys()].map((versionHash) => ({ workflowName, versionHash })),
  );
  return {
    workflow(name) {
      const definition = newestByName.get(name);
      if (definition === undefined) throw new WorkflowNotRegisteredError(name);
      return definition;
    },
    workflowVersion: (name, versionHash) => versionsByName.get(name)?.get(versionHash),
    workflowNames: () => [...versionsByName.keys()],
    workflowVersions: () => pairs.map((pair) => ({ ...pair })),
    activityImplementations: () =>
      new Map(
        [...activitiesByName].map(([name, definition]) => [name, definition.fn as ActivityImplementation]),
      ),
    createExecution: async (definition, run, options = {}) =>
      await createExecution(definition, run, {
        effectScopes,
        ...(queues === undefined ? {} : { queues }),
        ...(logSink === undefined || options.silent === true ? {} : { logSink }),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.sideEffects === undefined ? {} : { sideEffects: options.sideEffects }),
      }),
  };
}
