import type { Journal, RunFilter, StartConflictPolicy } from "../journal/journal.ts";
import type { Encoded, HistoryEvent } from "../model/index.ts";
import { isWorkflowIdReusePolicy, type WorkflowIdReusePolicy } from "../model/workflow-id-reuse-policy.ts";
import {
  RunAlreadyExistsError,
  RunNotFoundError,
  TransactionNotSupportedError,
} from "../errors/journal-errors.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { RunStatus } from "../model/run-status.ts";
import {
  workflowInfo,
  type AnyWorkflowDefinition,
  type WorkflowInput,
  type WorkflowOutput,
} from "../worker/definition-info.ts";
import type { EagerStarts, LocalRuns } from "../worker/create-engine.ts";
import type { SignalDefinition } from "../workflow/define-signal.ts";
import type { QueryDefinition } from "../workflow/define-query.ts";
import type { UpdateDefinition } from "../workflow/define-update.ts";
import { sendUpdate, type UpdateOptions } from "./send-update.ts";
import {
  answerQuery,
  checkDeclaredSignal,
  checkSignalDefinition,
  mayRefuseSignals,
  runIdOf,
  validateSignalPayload,
  type RunRef,
  type WorkflowCode,
} from "./typed-messages.ts";
import { awaitRunResult } from "./await-run-result.ts";
import { checkPayloadLimit, defaultMaxPayloadBytes, encodePayload } from "./payload-limit.ts";
import { describeRun, type RunDescription } from "./run-description.ts";
import {
  checkResultOptions,
  checkRunFilter,
  checkRunId,
  checkSignalArguments,
  checkStartOptions,
} from "./check-client-input.ts";
import {
  IdentifierKind,
  Limits,
  checkFreeText,
  checkIdentifier,
  checkJournalOption,
} from "../validation/index.ts";

/** Namespace used when none is given (engines default to the same one). */
export const defaultNamespace = "default";

/** Options of {@link createClient}. */
export interface ClientOptions {
  readonly journal: Journal;
  /** Runs started by this client live in this namespace. Default `"default"`. */
  readonly namespace?: string;
  /** Limit on one encoded payload (input, signal payload), in bytes of JSON. Default 256 KiB. */
  readonly maxPayloadBytes?: number;
  /** Poll period of `result()` when no notifier hint arrives. Default 500 ms. */
  readonly pollIntervalMs?: number;
  /**
   * An engine running in this process, on the same database, for eager starts: a run of a
   * workflow version it has is created already leased to it and stepped there at once, with
   * no wake-up hint, claim or history read in between (a 3-step workflow then costs five
   * statements). Its durability is unchanged: the start commits before anything runs, and if
   * this process dies the lease runs out and any engine claims the run. Runs it cannot take
   * (stopped, other namespace, unknown version, no free step slot) start as usual.
   *
   * @example
   * ```ts
   * const engine = createEngine({ journal, workflows: [orderFlow], activities });
   * engine.start();
   * const client = createClient({ journal, engine });
   * await client.start(orderFlow, order); // stepped by `engine` right away
   * ```
   */
  readonly engine?: EagerStarts & Partial<LocalRuns>;
  /**
   * Workflow code this client may use for typed messages: to refuse signals a run's workflow
   * does not declare (`signals` option), and to answer `query()` by replaying a run's history
   * in this process when no engine here holds the run. Matched by exact version hash (or
   * `replaces`). Default: none (an `engine`'s registered workflows are used too).
   */
  readonly workflows?: readonly AnyWorkflowDefinition[];
}

/** Options of {@link Client.start}. */
export interface StartOptions {
  /**
   * Workflow id: at most one open run per namespace holds it, so a repeated `start` finds the
   * open run instead of starting another (see `idReusePolicy` for closed ones). Generated when absent.
   */
  readonly id?: string;
  /** Searchable attributes (plain JSON), matched by `list({ attributes })`. */
  readonly attributes?: Readonly<Record<string, Encoded>>;
  /**
   * When the id is not free under `idReusePolicy`: `"return"` the latest run with it (default)
   * or `"fail"` with `RunAlreadyExistsError`.
   */
  readonly onConflict?: StartConflictPolicy;
  /**
   * Whether `id` may start a new run after earlier runs with it; wins over the definition's
   * `idReusePolicy`. Default `"allowAfterClosed"` (as Temporal): a new run once every earlier
   * one closed. `"reject"` makes the id single-use (a start is then idempotent for good).
   *
   * @example
   * ```ts
   * await client.start(orderFlow, order, { id: `order-${order.id}`, idReusePolicy: "reject" });
   * ```
   */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
  /**
   * Start inside a transaction you opened on the journal's database (a Kysely `trx`): the run
   * exists if and only if your transaction commits, so an order row and its workflow are
   * created atomically. Engines see the run after the commit.
   *
   * @example
   * ```ts
   * await db.transaction().execute(async (trx) => {
   *   await trx.insertInto("orders").values(order).execute();
   *   await client.start(orderFlow, { orderId: order.id }, { id: `order-${order.id}`, transaction: trx });
   * });
   * ```
   */
  readonly transaction?: object;
}

/** A started (or found) run. */
export interface RunHandle<Output> {
  readonly runId: string;
  readonly workflowId: string;
  /** False when `start` found an existing run with the same id. */
  readonly created: boolean;
  /** Waits for the run's result; see {@link Client.result}. */
  result(options?: { timeoutMs?: number }): Promise<Output>;
}

/** Options of {@link Client.signal}. */
export interface SendSignalOptions {
  /** Deduplication key: a repeated delivery with the same id is stored once. */
  readonly deliveryId?: string;
  /** Send inside a transaction you opened on the journal's database; see {@link StartOptions.transaction}. */
  readonly transaction?: object;
  /**
   * The name is chosen at run time: skip the check that the run's workflow declares it (its
   * `signals` option). A declared signal's `validate` still runs.
   */
  readonly dynamic?: boolean;
}

/** The payload and options of a typed signal send: the payload may be left out for `void`. */
export type SignalSendArgs<T> = [T] extends [void]
  ? [payload?: T, options?: SendSignalOptions]
  : [payload: T, options?: SendSignalOptions];

/** Options of `Client.cancel`. */
export interface CancelOptions {
  /** Why, recorded in the run's `run_cancelled` event and in `WorkflowCancelledError`. */
  readonly reason?: string;
  /**
   * Terminate: end the run as cancelled at its next step, running none of its code (no cleanup,
   * no `onCancel` compensations). Its children follow their parent-close policy, its queued
   * activity tasks are withdrawn and running attempts see `ctx.signal` abort.
   */
  readonly force?: boolean;
}

/**
 * Starts, signals, awaits, cancels and inspects runs. Usable from any process that can reach
 * the journal; it needs no engine in the same process. Every argument is checked here, at the
 * boundary, before anything is stored: ids, names, numbers, cursors and attributes (limits in
 * guides/limits.md), and payloads, which are encoded here (a value the codec cannot carry, or
 * one over the payload limit, is refused).
 */
export interface Client {
  readonly namespace: string;
  start<Def extends AnyWorkflowDefinition>(
    definition: Def,
    input: WorkflowInput<Def>,
    options?: StartOptions,
  ): Promise<RunHandle<WorkflowOutput<Def>>>;
  /**
   * Sends a signal; resolves `{ accepted: false }` for a repeated `deliveryId`. A run that
   * continued as new passes it on to the latest run of its chain. With a definition from
   * `defineSignal`, the payload's type is checked by the compiler and its `validate` runs
   * first (`SignalPayloadInvalidError`, nothing stored). When the client knows the run's
   * workflow (`workflows`, or `engine`) and it declares `signals`, another name is refused with
   * `SignalNotDeclaredError` unless `{ dynamic: true }`.
   *
   * @example
   * ```ts
   * await client.signal(run, approve, { by: "ann" });
   * await client.signal(run.runId, "fraud_review", "approved");
   * ```
   */
  signal<T>(
    run: RunRef,
    definition: SignalDefinition<T>,
    ...rest: SignalSendArgs<T>
  ): Promise<{ accepted: boolean }>;
  signal(
    run: RunRef,
    name: string,
    payload?: unknown,
    options?: SendSignalOptions,
  ): Promise<{ accepted: boolean }>;
  /**
   * Asks a run a query (`defineQuery`) that its code answers with `setHandler`; nothing is
   * written. Answered by the execution an engine of this process holds in memory, else by
   * replaying the run's history here with its workflow's code (`workflows` or `engine`), else
   * `QueryUnavailableError`. A chain that continued as new answers from its latest run.
   *
   * @example
   * ```ts
   * const { done, total } = await client.query(run, progress);
   * ```
   */
  query<Result, Args extends readonly unknown[]>(
    run: RunRef,
    query: QueryDefinition<Result, Args>,
    ...args: Args
  ): Promise<Result>;
  /**
   * Sends an update (`defineUpdate`) and resolves with what the run's handler returned; the
   * request and the outcome are journaled. `validate` runs first (`UpdateInputInvalidError`,
   * nothing stored). The same `updateId` is stored once and always answers with the first
   * outcome. Throws `UpdateFailedError` when the handler threw (as `cause`), the run ended
   * without an answer, or `timeoutMs` ran out (the update stays accepted).
   *
   * @example
   * ```ts
   * const { lines } = await client.update(run, addItem, { sku: "a-1", qty: 2 }, { updateId: requestId });
   * ```
   */
  update<Input, Output>(
    run: RunRef,
    update: UpdateDefinition<Input, Output>,
    input: Input,
    options?: UpdateOptions,
  ): Promise<Output>;
  /**
   * Waits until the run finished and returns its result; throws `WorkflowFailedError` (with the
   * workflow's error as `cause`), `WorkflowCancelledError`, or `ResultTimeoutError` after `timeoutMs`.
   */
  result<Output = unknown>(runId: string, options?: { timeoutMs?: number }): Promise<Output>;
  /** Same as {@link Client.result}. */
  await<Output = unknown>(runId: string, options?: { timeoutMs?: number }): Promise<Output>;
  /**
   * Asks the run (the latest of its chain, when it continued as new) to cancel; the workflow
   * sees it at its next step. `{ force: true }` terminates instead: the run's next step ends it
   * as cancelled without running any more of its code (for a run that ignores cancellation).
   * The second argument is the reason, or options with one.
   */
  cancel(runId: string, reasonOrOptions?: string | CancelOptions): Promise<void>;
  /** The run with decoded input and result; throws `RunNotFoundError`. */
  describe<Input = unknown, Output = unknown>(runId: string): Promise<RunDescription<Input, Output>>;
  /**
   * The latest run with this workflow id (following continue-as-new), if any. Earlier runs that
   * held the id: `list({ workflowId })`, newest first, a page at a time.
   */
  describeWorkflow<Input = unknown, Output = unknown>(
    workflowId: string,
  ): Promise<RunDescription<Input, Output> | undefined>;
  /** Runs of this client's namespace (unless `filter.namespace` says otherwise), a page at a time. */
  list(filter?: RunFilter): Promise<{ runs: RunDescription[]; next?: string }>;
  /** The run's journal, seq order, payloads still encoded. */
  history(runId: string): Promise<HistoryEvent[]>;
}

/**
 * Runs `send` against `runId`, and when that run has continued as new meanwhile, against its
 * successor, to the end of the chain: a signal or cancellation addressed to a chain is never
 * refused because it raced a handover (the refused attempt wrote nothing).
 */
async function alongChain<T>(
  journal: Journal,
  runId: string,
  send: (runId: string) => Promise<T>,
): Promise<T> {
  let current = runId;
  for (;;) {
    try {
      return await send(current);
    } catch (error) {
      if (!isContinuumError(error, ErrorCode.RunFinished)) throw error;
      const run = await journal.getRun(current);
      if (run?.status !== RunStatus.continued || run.continuedTo === undefined) throw error;
      current = run.continuedTo;
    }
  }
}

/**
 * Creates a {@link Client}.
 *
 * @example
 * ```ts
 * const journal = await openJournal();
 * const client = createClient({ journal });
 * const run = await client.start(orderFlow, { orderId: "o-1", items }, { id: "order-o-1" });
 * await client.signal(run.runId, "fraud_review", "approved");
 * console.log(await run.result({ timeoutMs: 60_000 }));
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const journal = checkJournalOption((options as Partial<ClientOptions> | undefined)?.journal);
  const namespace = checkIdentifier(
    IdentifierKind.namespace,
    options.namespace ?? defaultNamespace,
    "namespace",
  );
  const maxPayloadBytes = checkPayloadLimit(options.maxPayloadBytes ?? defaultMaxPayloadBytes);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs >= 1 && pollIntervalMs <= Limits.maxTimerMs))
    throw new InvalidEngineOptionError(
      "pollIntervalMs",
      pollIntervalMs,
      `a number of milliseconds from 1 to ${Limits.maxTimerMs}`,
    );

  const code: WorkflowCode = { workflows: options.workflows ?? [], engine: options.engine };
  const result = async <Output>(runId: string, opts?: { timeoutMs?: number }): Promise<Output> => {
    checkRunId(runId);
    const timeoutMs = checkResultOptions(opts);
    return awaitRunResult(journal, runId, {
      pollIntervalMs,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    }) as Promise<Output>;
  };

  const client: Client = {
    namespace,
    async start(definition, input, startOptions = {}) {
      const { name, versionHash } = workflowInfo(definition);
      checkStartOptions(startOptions);
      const idReusePolicy = startOptions.idReusePolicy ?? definition.idReusePolicy;
      if (idReusePolicy !== undefined && !isWorkflowIdReusePolicy(idReusePolicy))
        throw new InvalidEngineOptionError(
          "idReusePolicy",
          idReusePolicy,
          'one of "allowAfterClosed", "allowAfterFailed", "reject", "terminateExisting"',
        );
      const encoded = encodePayload(input, `input of workflow ${name}`, maxPayloadBytes);
      // Eager start: an engine of this process takes the run in the start itself (not inside the
      // caller's transaction: the run must be committed before anyone steps it).
      const lease =
        startOptions.transaction === undefined
          ? options.engine?.eagerLease(namespace, name, versionHash)
          : undefined;
      const { run, created, claim } = await joined(journal, startOptions.transaction).startRun({
        namespace,
        workflowName: name,
        versionHash,
        input: encoded,
        ...(startOptions.id === undefined ? {} : { workflowId: startOptions.id }),
        ...(startOptions.attributes === undefined ? {} : { attributes: startOptions.attributes }),
        ...(startOptions.onConflict === undefined ? {} : { onConflict: startOptions.onConflict }),
        ...(idReusePolicy === undefined ? {} : { idReusePolicy }),
        ...(lease === undefined ? {} : { lease }),
      });
      if (claim !== undefined) options.engine?.runEagerly(claim);
      // An existing run under this id that belongs to another workflow would hand the caller a
      // result of the wrong type: refuse it whatever the conflict policy says.
      if (!created && (startOptions.onConflict === "fail" || run.workflowName !== name)) {
        throw new RunAlreadyExistsError(run.workflowId, run.runId);
      }
      return {
        runId: run.runId,
        workflowId: run.workflowId,
        created,
        result: (opts) => result(run.runId, opts),
      };
    },
    signal: (async (
      run: RunRef,
      nameOrDefinition: string | SignalDefinition<unknown>,
      payload?: unknown,
      signalOptions: SendSignalOptions = {},
    ) => {
      const runId = runIdOf(run);
      checkRunId(runId);
      let name: string;
      if (typeof nameOrDefinition === "string") name = nameOrDefinition;
      else {
        checkSignalDefinition(nameOrDefinition);
        name = nameOrDefinition.name;
      }
      checkSignalArguments(name, signalOptions);
      if (signalOptions.dynamic !== undefined && typeof signalOptions.dynamic !== "boolean")
        throw new InvalidEngineOptionError("dynamic", String(signalOptions.dynamic), "true or false");
      if (typeof nameOrDefinition !== "string") validateSignalPayload(nameOrDefinition, runId, payload);
      if (mayRefuseSignals(code))
        await checkDeclaredSignal(journal, code, runId, name, payload, signalOptions.dynamic === true);
      const encoded = encodePayload(
        payload,
        `payload of signal ${JSON.stringify(name)}`,
        maxPayloadBytes,
        "payload",
      );
      const target = joined(journal, signalOptions.transaction);
      return alongChain(target, runId, (current) =>
        target.sendSignal({
          runId: current,
          name,
          payload: encoded,
          ...(signalOptions.deliveryId === undefined ? {} : { deliveryId: signalOptions.deliveryId }),
        }),
      );
    }) as Client["signal"],
    query: (async (run: RunRef, query: QueryDefinition<unknown, readonly unknown[]>, ...args: unknown[]) => {
      const runId = runIdOf(run);
      checkRunId(runId);
      return answerQuery(journal, code, runId, query, args);
    }) as Client["query"],
    update: (async (
      run: RunRef,
      update: UpdateDefinition,
      input: unknown,
      updateOptions: UpdateOptions = {},
    ) => {
      const runId = runIdOf(run);
      checkRunId(runId);
      return sendUpdate(journal, runId, update, input, updateOptions, { maxPayloadBytes, pollIntervalMs });
    }) as Client["update"],
    result,
    await: result,
    async cancel(runId, reasonOrOptions) {
      checkRunId(runId);
      const { reason, force } =
        typeof reasonOrOptions === "object" && reasonOrOptions !== null
          ? reasonOrOptions
          : { reason: reasonOrOptions, force: false };
      if (reason !== undefined) checkFreeText(reason, "cancellation reason");
      if (force !== undefined && typeof force !== "boolean")
        throw new InvalidEngineOptionError("force", String(force), "true or false");
      await alongChain(journal, runId, (current) =>
        journal.requestCancel(current, reason, force === true ? { force } : undefined),
      );
    },
    async describe<Input, Output>(runId: string) {
      checkRunId(runId);
      const run = await journal.getRun(runId);
      if (run === undefined) throw new RunNotFoundError(runId);
      return describeRun<Input, Output>(run);
    },
    async describeWorkflow<Input, Output>(workflowId: string) {
      checkIdentifier(IdentifierKind.id, workflowId, "workflow id");
      const run = await journal.getRunByWorkflowId(namespace, workflowId);
      return run === undefined ? undefined : describeRun<Input, Output>(run);
    },
    async list(filter = {}) {
      checkRunFilter(filter);
      const page = await journal.listRuns({ namespace, ...filter });
      return {
        runs: page.runs.map((run) => describeRun(run)),
        ...(page.next === undefined ? {} : { next: page.next }),
      };
    },
    async history(runId) {
      checkRunId(runId);
      const run = await journal.getRun(runId);
      if (run === undefined) throw new RunNotFoundError(runId);
      return journal.readHistory(runId);
    },
  };
  return client;
}

/** The journal itself, or the journal joined to the caller's transaction. */
function joined(journal: Journal, transaction: object | undefined): Journal {
  if (transaction === undefined) return journal;
  if (journal.bindTransaction === undefined)
    throw new TransactionNotSupportedError(
      "this journal has no transactions (the memory journal); use an SQL journal from openJournal()",
    );
  return journal.bindTransaction(transaction);
}
