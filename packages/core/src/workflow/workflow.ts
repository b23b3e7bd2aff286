import { isQueryDefinition, type QueryDefinition } from "./define-query.ts";
import { searchAttributeDeclarationsProblem, type SearchAttributeDeclarations } from "./search-attributes.ts";
import { isUpdateDefinition, type UpdateDefinition } from "./define-update.ts";

/** Any query definition, whatever its result and arguments (a workflow's `queries` list). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of differently typed definitions
export type AnyQueryDefinition = QueryDefinition<any, any>;
/** Any update definition, whatever its input and output (a workflow's `updates` list). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of differently typed definitions
export type AnyUpdateDefinition = UpdateDefinition<any, any>;
import { InvalidWorkflowDefinitionError, WorkflowNotTransformedError } from "../errors/workflow-errors.ts";
import { isWorkflowIdReusePolicy } from "../model/workflow-id-reuse-policy.ts";
import type { WorkflowIdReusePolicy } from "../model/workflow-id-reuse-policy.ts";
import type { WorkflowStamp } from "../model/index.ts";
import { definitionNameProblem } from "./definition-name.ts";
import { isSignalDefinition, type AnySignalDefinition } from "./define-signal.ts";

/** What a run does with its compensations when it is cancelled or times out. */
export type ExitPolicy = "compensate" | "none";

/** Options of a workflow definition. */
export interface WorkflowOptions {
  /**
   * Your version number of this workflow (a positive integer), shown with its runs. Register
   * several versions side by side (distinct numbers) to keep old runs on their own code: new
   * runs start on the highest.
   */
  readonly version: number;
  /**
   * Workflow-level timeout of each run, in ms: a journal timer set when the run starts. When it
   * fires, the code's pending effects reject with `WorkflowTimeoutError`; if that escapes, the
   * run fails with it. A run keeps the timeout it started with.
   */
  readonly timeoutMs?: number;
  /**
   * `"compensate"`: when a cancellation ends the run (CancelledError escapes the code), every
   * compensation not yet run is run first, most recent first, and then the run ends as
   * cancelled (failed, when a compensation fails). Default `"none"`.
   */
  readonly onCancel?: ExitPolicy;
  /** Like `onCancel`, for a run that its `timeoutMs` ends (WorkflowTimeoutError escapes). Default `"none"`. */
  readonly onTimeout?: ExitPolicy;
  /**
   * Version hashes of earlier versions whose runs this version takes over (copy them from the
   * build manifest or `continuum versions check`). Engines dispatch runs by version hash; a run
   * whose hash is listed here replays on this code when the exact version is not registered, so
   * guard what changed with `patched()`. Default: none (runs replay only on their own version).
   */
  readonly replaces?: readonly string[];
  /**
   * Whether a start (or a child start) with a workflow id that earlier runs of this workflow
   * held may start a new run; a start's own `idReusePolicy` wins. Default `"allowAfterClosed"`.
   * See {@link WorkflowIdReusePolicy}.
   */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
  /**
   * Retention of closed runs, in ms (e.g. `days(30)`): engines that register this workflow
   * delete its runs this long after they closed, with their whole run tree (children,
   * continue-as-new successors), in small batches (see `EngineOptions.retention`). Default: the
   * engine's `retention.defaultMs`, else kept forever. The highest registered version's value wins.
   */
  readonly retention?: number;
  /**
   * The search attributes runs of this workflow carry, with their types (see
   * `SearchAttributeType`): a start's `attributes` are checked against them (an undeclared name or
   * a value of the wrong type is refused with `InvalidAttributesError`). Default: not declared,
   * any plain JSON is accepted. See guides/tenancy.md.
   *
   * @example
   * ```ts
   * workflow("order", { version: 1, searchAttributes: { customer: "keyword", total: "double", tags: "keyword[]" } }, fn);
   * ```
   */
  readonly searchAttributes?: SearchAttributeDeclarations;
  /**
   * Opt-in history snapshots for long runs: every `every` events (at least 10) the step that
   * crosses the line also writes one row holding the run's history so far, packed (the same
   * transaction, fenced like the step). A cold rebuild then reads that row and the events after
   * it instead of one row per event. Replay still needs every recorded result, so the row holds
   * all of them: it bounds rows read and round trips, not bytes (see guides/operations.md).
   * The newest snapshot replaces the older one; it goes with the run.
   *
   * @example
   * ```ts
   * workflow("import", { version: 1, snapshots: { every: 1000 } }, async (files: string[]) => { ... });
   * ```
   */
  readonly snapshots?: { readonly every: number };
  /**
   * The signals this workflow takes (definitions from `defineSignal`). When given, a client that
   * knows the workflow (`createClient({ workflows })` or its `engine`) refuses any other signal
   * name with `SignalNotDeclaredError` unless the send says `{ dynamic: true }`, and runs the
   * declared definition's `validate` even for sends by plain name. Default: not declared, any
   * name is accepted.
   */
  readonly signals?: readonly AnySignalDefinition[];
  /**
   * The queries this workflow answers (definitions from `defineQuery`). When given, a client
   * that knows the workflow refuses any other query name with `MessageNotDeclaredError` (`CTM_QUERY_NOT_DECLARED`).
   * Default: not declared, any name is tried.
   */
  readonly queries?: readonly AnyQueryDefinition[];
  /**
   * The updates this workflow handles (definitions from `defineUpdate`). When given, a client
   * that knows the workflow refuses any other update name with `MessageNotDeclaredError` (`CTM_UPDATE_NOT_DECLARED`)
   * before anything is stored. Default: not declared, any name is sent.
   */
  readonly updates?: readonly AnyUpdateDefinition[];
}

/**
 * A workflow: a name, a version and the async function the engine runs durably. Made by
 * {@link workflow}; registered with the engine, which refuses it unless it carries the
 * transformer's stamp.
 */
export interface WorkflowDefinition<Input = unknown, Output = unknown> {
  readonly kind: "workflow";
  /** Stable name: runs are started and found by it. */
  readonly name: string;
  readonly version: number;
  /** See {@link WorkflowOptions.timeoutMs}. */
  readonly timeoutMs?: number;
  /** See {@link WorkflowOptions.onCancel}. */
  readonly onCancel?: ExitPolicy;
  /** See {@link WorkflowOptions.onTimeout}. */
  readonly onTimeout?: ExitPolicy;
  /** See {@link WorkflowOptions.replaces}. */
  readonly replaces?: readonly string[];
  /** See {@link WorkflowOptions.idReusePolicy}. */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
  /** See {@link WorkflowOptions.retention}. */
  readonly retention?: number;
  /** See {@link WorkflowOptions.snapshots}. */
  readonly snapshots?: { readonly every: number };
  /** See {@link WorkflowOptions.signals}. */
  readonly signals?: readonly AnySignalDefinition[];
  /** See {@link WorkflowOptions.searchAttributes}. */
  readonly searchAttributes?: SearchAttributeDeclarations;
  /** See {@link WorkflowOptions.queries}. */
  readonly queries?: readonly AnyQueryDefinition[];
  /** See {@link WorkflowOptions.updates}. */
  readonly updates?: readonly AnyUpdateDefinition[];
  readonly fn: (input: Input) => Promise<Output>;
  /** Injected by the transformer; `undefined` when the file was not transformed. */
  readonly stamp: WorkflowStamp | undefined;
}

/** Any workflow definition, whatever its input and output types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkflowDefinition = WorkflowDefinition<any, any>;
/** Input type of a workflow definition. */
export type WorkflowInput<D> = D extends WorkflowDefinition<infer I, unknown> ? I : never;
/** Output type of a workflow definition. */
export type WorkflowOutput<D> = D extends WorkflowDefinition<never, infer O> ? O : never;

/** The `workflow(name, options, fn)` function. */
export type WorkflowFactory = <Input = void, Output = unknown>(
  name: string,
  options: WorkflowOptions,
  fn: (input: Input) => Promise<Output>,
) => WorkflowDefinition<Input, Output>;

/** {@link workflow}: the factory plus `stamped`, the form the transformer emits. */
export type WorkflowFunction = WorkflowFactory & {
  /** Returns a factory whose definitions carry `stamp` (transformer/SPEC.md section 1). */
  readonly stamped: (stamp: WorkflowStamp) => WorkflowFactory;
};

function define<Input, Output>(
  stamp: WorkflowStamp | undefined,
  name: string,
  options: WorkflowOptions,
  fn: (input: Input) => Promise<Output>,
): WorkflowDefinition<Input, Output> {
  const nameProblem = definitionNameProblem(name);
  if (nameProblem !== undefined) {
    throw new InvalidWorkflowDefinitionError(
      String(name),
      "name",
      nameProblem,
      'name workflows with stable plain text, e.g. "order"',
    );
  }
  const version: unknown = (options as { version?: unknown } | null | undefined)?.version;
  if (!(Number.isSafeInteger(version) && (version as number) >= 1)) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "version",
      `must be a positive integer, got ${String(version)}`,
      "pass { version: 1 } and bump it when you deploy a changed workflow",
    );
  }
  if (typeof fn !== "function") {
    throw new InvalidWorkflowDefinitionError(
      name,
      "fn",
      `must be an async function, got ${typeof fn}`,
      "pass the workflow body: workflow(name, { version: 1 }, async (input) => { ... })",
    );
  }
  const {
    timeoutMs,
    onCancel,
    onTimeout,
    replaces,
    idReusePolicy,
    signals,
    queries,
    updates,
    retention,
    searchAttributes,
    snapshots,
  } = options as Partial<WorkflowOptions>;
  const attributesProblem =
    searchAttributes === undefined ? undefined : searchAttributeDeclarationsProblem(searchAttributes);
  if (attributesProblem !== undefined)
    throw new InvalidWorkflowDefinitionError(
      name,
      "searchAttributes",
      attributesProblem,
      'pass e.g. { version: 1, searchAttributes: { customer: "keyword", total: "double" } }',
    );
  if (
    snapshots !== undefined &&
    !(
      typeof snapshots === "object" &&
      snapshots !== null &&
      Number.isSafeInteger(snapshots.every) &&
      snapshots.every >= 10
    )
  ) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "snapshots",
      `must be { every: n } with a whole n of at least 10 events, got ${JSON.stringify(snapshots)}`,
      "pass e.g. { version: 1, snapshots: { every: 1000 } }",
    );
  }
  if (retention !== undefined && !(Number.isSafeInteger(retention) && retention > 0)) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "retention",
      `must be a positive integer of milliseconds, got ${String(retention)}`,
      "pass e.g. { version: 1, retention: days(30) }",
    );
  }
  for (const [field, list, is, example] of [
    ["queries", queries, isQueryDefinition, "defineQuery, e.g. { version: 1, queries: [progress] }"],
    ["updates", updates, isUpdateDefinition, "defineUpdate, e.g. { version: 1, updates: [addItem] }"],
  ] as const) {
    if (list !== undefined && !(Array.isArray(list) && list.every((declared) => is(declared))))
      throw new InvalidWorkflowDefinitionError(
        name,
        field,
        `must be a list of ${field === "queries" ? "query" : "update"} definitions`,
        `pass definitions made by ${example}`,
      );
  }
  if (
    signals !== undefined &&
    !(Array.isArray(signals) && signals.every((declared) => isSignalDefinition(declared)))
  ) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "signals",
      "must be a list of signal definitions",
      "pass definitions made by defineSignal, e.g. { version: 1, signals: [approve, reject] }",
    );
  }
  if (idReusePolicy !== undefined && !isWorkflowIdReusePolicy(idReusePolicy)) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "idReusePolicy",
      `must be "allowAfterClosed", "allowAfterFailed", "reject" or "terminateExisting", got ${String(idReusePolicy)}`,
      'pass e.g. { version: 1, idReusePolicy: "reject" } (default "allowAfterClosed")',
    );
  }
  if (
    replaces !== undefined &&
    !(Array.isArray(replaces) && replaces.every((hash) => typeof hash === "string" && hash.length > 0))
  ) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "replaces",
      "must be a list of version hashes",
      'pass e.g. { version: 2, replaces: ["1cdc7981f56221af"] } (hashes from the build manifest)',
    );
  }
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidWorkflowDefinitionError(
      name,
      "timeoutMs",
      `must be a positive integer of milliseconds, got ${String(timeoutMs)}`,
      "pass e.g. { version: 1, timeoutMs: hours(24) }",
    );
  }
  for (const [field, policy] of [
    ["onCancel", onCancel],
    ["onTimeout", onTimeout],
  ] as const) {
    if (policy !== undefined && policy !== "compensate" && policy !== "none") {
      throw new InvalidWorkflowDefinitionError(
        name,
        field,
        `must be "compensate" or "none", got ${String(policy)}`,
        `pass { ${field}: "compensate" } to run the compensations before the run ends`,
      );
    }
  }
  return Object.freeze({
    kind: "workflow",
    name,
    version: version as number,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(onCancel === undefined ? {} : { onCancel }),
    ...(onTimeout === undefined ? {} : { onTimeout }),
    ...(replaces === undefined ? {} : { replaces: Object.freeze([...replaces]) }),
    ...(idReusePolicy === undefined ? {} : { idReusePolicy }),
    ...(retention === undefined ? {} : { retention }),
    ...(snapshots === undefined ? {} : { snapshots: Object.freeze({ every: snapshots.every }) }),
    ...(signals === undefined ? {} : { signals: Object.freeze([...signals]) }),
    ...(searchAttributes === undefined ? {} : { searchAttributes: Object.freeze({ ...searchAttributes }) }),
    ...(queries === undefined ? {} : { queries: Object.freeze([...queries]) }),
    ...(updates === undefined ? {} : { updates: Object.freeze([...updates]) }),
    fn,
    stamp,
  });
}

function stampProblem(stamp: unknown): string | undefined {
  if (stamp === null || typeof stamp !== "object") return "is not an object";
  const s = stamp as Record<string, unknown>;
  if (s.format !== 1) return `has format ${String(s.format)}, this runtime knows format 1`;
  if (typeof s.versionHash !== "string" || s.versionHash.length === 0) return "has no versionHash";
  if (!Array.isArray(s.cursors) || !s.cursors.every((c) => typeof c === "string"))
    return "has no cursor list";
  if (typeof s.file !== "string" || typeof s.line !== "number") return "has no source location";
  return undefined;
}

/**
 * Defines a workflow: a plain async function that Continuum runs durably. Inside it, call only
 * the workflow API (activity, sleep, signal, now, ...) and pure code; the transformer checks
 * that and stamps every effect call with its identity.
 *
 * @example
 * ```ts
 * export const orderFlow = workflow("order", { version: 1 }, async ({ orderId }: { orderId: string }) => {
 *   const receipt = await activity(payments.charge, orderId, 42);
 *   await sleep(hours(1));
 *   return { receipt };
 * });
 * ```
 */
export const workflow: WorkflowFunction = Object.assign(
  <Input = void, Output = unknown>(
    name: string,
    options: WorkflowOptions,
    fn: (input: Input) => Promise<Output>,
  ) => define(undefined, name, options, fn),
  {
    stamped(stamp: WorkflowStamp): WorkflowFactory {
      const problem = stampProblem(stamp);
      if (problem !== undefined) {
        throw new InvalidWorkflowDefinitionError(
          "(stamped)",
          "stamp",
          problem,
          "rebuild with the @continuum/transformer version that matches this @continuum/core",
        );
      }
      const frozen: WorkflowStamp = Object.freeze({ ...stamp, cursors: Object.freeze([...stamp.cursors]) });
      return (name, options, fn) => define(frozen, name, options, fn);
    },
  },
);

/**
 * Throws CTM_WORKFLOW_NOT_TRANSFORMED unless `definition` carries the transformer's stamp. The
 * engine calls it when a workflow is registered, so untransformed code never runs.
 */
export function assertStamped(
  definition: AnyWorkflowDefinition,
): asserts definition is AnyWorkflowDefinition & { readonly stamp: WorkflowStamp } {
  if (definition.stamp === undefined) throw new WorkflowNotTransformedError(definition.name);
}

/** True when `value` is a workflow definition made by {@link workflow}. */
export function isWorkflowDefinition(value: unknown): value is AnyWorkflowDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "workflow" &&
    typeof (value as { fn?: unknown }).fn === "function"
  );
}
