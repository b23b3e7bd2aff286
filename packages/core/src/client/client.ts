import type { QueueDefinition } from "../queue/define-queue.ts";
import type { RunFilter, StartConflictPolicy } from "../journal/journal.ts";
import type { Encoded, HistoryEvent } from "../model/index.ts";
import type { WorkflowIdReusePolicy } from "../model/workflow-id-reuse-policy.ts";
import type { AnyWorkflowDefinition, WorkflowInput, WorkflowOutput } from "../worker/definition-info.ts";
import type { SignalDefinition } from "../workflow/define-signal.ts";
import type { QueryDefinition } from "../workflow/define-query.ts";
import type { UpdateDefinition } from "../workflow/define-update.ts";
import type { UpdateHandle, UpdateOptions } from "./send-update.ts";
import type { RunRef } from "./typed-messages.ts";
import type { RunDescription } from "./run-description.ts";
import type { ScheduleClient } from "../schedules/schedule-client.ts";

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
  /**
   * Queue the run (a `defineQueue` result): it waits until an engine serving the queue dequeues
   * it within the queue's limits (see guides/queues.md). Not started eagerly.
   *
   * @example
   * ```ts
   * await client.start(sendEmail, { to }, { queue: emails, priority: 1, dedupeKey: `welcome:${to}` });
   * ```
   */
  readonly queue?: QueueDefinition;
  /** Queued starts: lower numbers are dequeued first, FIFO within a priority. Default: the queue's. */
  readonly priority?: number;
  /**
   * Queued starts: at most one open run (queued or executing) per queue and key; a start while
   * one is open returns it (`created: false`).
   */
  readonly dedupeKey?: string;
  /**
   * Queued starts with a `dedupeKey`: a debounce window in ms. A start while a run with the key
   * is still queued replaces that run's input and pushes its dequeue to now + `debounce`; when
   * none is queued (none, or it is executing), a new run is queued, dequeued no earlier than now
   * + `debounce`. So a burst of starts runs once, with the last input, `debounce` ms after the last start.
   */
  readonly debounce?: number;
  /**
   * Queued starts into a partitioned queue (`defineQueue(name, { partitionKey: true })`): the
   * partition this run counts in; each key has the queue's limits on its own. Required there,
   * refused for other queues.
   *
   * @example
   * ```ts
   * await client.start(syncAccount, { customerId }, { queue: perCustomer, partitionKey: `customer-${customerId}` });
   * ```
   */
  readonly partitionKey?: string;
  /**
   * Delayed start: the run is created now (durable: it survives restarts, is listed, and can
   * be cancelled, which before its start ends it at once without running any of its code), and
   * no engine starts it before this instant (a Date or epoch ms, compared with the journal's
   * clock). One of `startAt` / `startDelay`.
   *
   * @example
   * ```ts
   * await client.start(reminderFlow, { userId }, { id: `reminder-${userId}`, startDelay: days(3) });
   * ```
   */
  readonly startAt?: Date | number;
  /** Delayed start: like `startAt`, as milliseconds from now by the journal's clock (`minutes(5)`). */
  readonly startDelay?: number;
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
   * (or continued as new) while its handler ran, or `timeoutMs` ran out (the update stays
   * accepted). A request the run had not taken when it continued as new goes to its successor.
   * With `{ waitFor: "accepted" }` it resolves with an {@link UpdateHandle} once the run took
   * the request; `handle.result()` waits for the outcome. A client that knows the workflow
   * refuses an update it does not declare (`updates` option, `MessageNotDeclaredError`).
   *
   * @example
   * ```ts
   * const { lines } = await client.update(run, addItem, { sku: "a-1", qty: 2 }, { updateId: requestId });
   * const handle = await client.update(run, addItem, item, { waitFor: "accepted" });
   * const later = await handle.result();
   * ```
   */
  update<Input, Output>(
    run: RunRef,
    update: UpdateDefinition<Input, Output>,
    input: Input,
    options: UpdateOptions & { readonly waitFor: "accepted" },
  ): Promise<UpdateHandle<Output>>;
  update<Input, Output>(
    run: RunRef,
    update: UpdateDefinition<Input, Output>,
    input: Input,
    options?: UpdateOptions & { readonly waitFor?: "completed" },
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
  /**
   * Runs of this client's namespace (unless `filter.namespace` names another, or `"*"` for
   * every namespace), a page at a time.
   *
   * @example
   * ```ts
   * const mine = await client.list({ status: "failed" });
   * const everyone = await client.list({ namespace: "*", status: "failed" });
   * // typed search attributes (see attr): names checked, values bound, keyset pages
   * const big = await client.list({
   *   where: attr("customer").eq("c-42").and(attr("total").gte(100)),
   *   orderBy: { by: "attribute", attribute: "total", direction: "desc" },
   *   limit: 20,
   * });
   * ```
   */
  list(filter?: RunFilter): Promise<{ runs: RunDescription[]; next?: string }>;
  /** The run's journal, seq order, payloads still encoded. */
  history(runId: string): Promise<HistoryEvent[]>;
  /** Schedules of this client's namespace: create, pause, trigger, backfill, list (see ScheduleClient). */
  readonly schedules: ScheduleClient;
}
