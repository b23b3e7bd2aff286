import { InvalidQueueOptionError } from "../errors/queue-errors.ts";
import { createQueueDefiner, queuedStart } from "../queue/queued-start.ts";
import type { Journal, StartRunRequest } from "../journal/journal.ts";
import { isWorkflowIdReusePolicy } from "../model/workflow-id-reuse-policy.ts";
import { RunAlreadyExistsError, RunNotFoundError } from "../errors/journal-errors.ts";
import { InvalidIdentifierError } from "../errors/validation-errors.ts";
import { checkDeclaredAttributes } from "../workflow/search-attributes.ts";
import { attributeScopeOf, checkQueryTypes } from "../validation/attribute-query-types.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { workflowInfo, type AnyWorkflowDefinition } from "../worker/definition-info.ts";
import type { EagerStarts, LocalRuns } from "../worker/create-engine.ts";
import type { Instrumentation, StartedRun } from "../worker/instrumentation.ts";
import { validTraceContext, type TraceContext } from "../model/trace-context.ts";
import type { SignalDefinition } from "../workflow/define-signal.ts";
import type { QueryDefinition } from "../workflow/define-query.ts";
import type { UpdateDefinition } from "../workflow/define-update.ts";
import { alongChain } from "./along-chain.ts";
import type { Client, SendSignalOptions } from "./client.ts";
import { joinedJournal } from "./joined-journal.ts";
import { sendSignal } from "./send-signal.ts";
import { sendUpdate, type UpdateOptions } from "./send-update.ts";
import { answerQuery, runIdOf, type RunRef, type WorkflowCode } from "./typed-messages.ts";
import { awaitRunResult } from "./await-run-result.ts";
import { checkPayloadLimit, defaultMaxPayloadBytes, encodePayload } from "./payload-limit.ts";
import { createScheduleClient } from "../schedules/schedule-client.ts";
import { describeRun } from "./run-description.ts";
import { checkResultOptions, checkRunFilter, checkRunId, checkStartOptions } from "./check-client-input.ts";
import {
  IdentifierKind,
  Limits,
  checkFreeText,
  checkIdentifier,
  namespaceScope,
  ALL_NAMESPACES,
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
  /**
   * Tracing hooks (e.g. `continuumOtel()` from `@continuum/otel`): its `start` hook wraps each
   * `start` and gives the W3C trace context stored with the run, the parent of the run's spans
   * on whichever engine runs it. Absent: runs are started untraced, at no cost.
   */
  readonly instrumentation?: Instrumentation;
}

// The Client interface and its option types live in client.ts; re-exported for existing importers.
export type {
  CancelOptions,
  Client,
  RunHandle,
  SendSignalOptions,
  SignalSendArgs,
  StartOptions,
} from "./client.ts";

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
  if (namespace === ALL_NAMESPACES)
    throw new InvalidIdentifierError(
      "namespace",
      'is "*", which means every namespace in filters',
      '"*"',
      'start runs in a named namespace, e.g. "billing"; list every namespace with client.list({ namespace: "*" })',
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
      ...(options.engine?.localOutcomes === undefined ? {} : { local: options.engine.localOutcomes }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    }) as Promise<Output>;
  };

  const defineQueue = createQueueDefiner(journal);
  const client: Client = {
    namespace,
    async start(definition, input, startOptions = {}) {
      const { name, versionHash } = workflowInfo(definition);
      checkStartOptions(startOptions);
      if (definition.searchAttributes !== undefined && startOptions.attributes !== undefined)
        checkDeclaredAttributes(name, definition.searchAttributes, startOptions.attributes);
      const idReusePolicy = startOptions.idReusePolicy ?? definition.idReusePolicy;
      if (idReusePolicy !== undefined && !isWorkflowIdReusePolicy(idReusePolicy))
        throw new InvalidEngineOptionError(
          "idReusePolicy",
          idReusePolicy,
          'one of "allowAfterClosed", "allowAfterFailed", "reject", "terminateExisting"',
        );
      const queue = queuedStart(startOptions);
      const encoded = encodePayload(input, `input of workflow ${name}`, maxPayloadBytes);
      if (startOptions.queue !== undefined) await defineQueue(startOptions.queue);
      // Eager start: an engine of this process takes the run in the start itself (not inside the
      // caller's transaction: the run must be committed before anyone steps it).
      // A delayed start is never eager: nobody steps it before its start time.
      const delayed = startOptions.startAt !== undefined || startOptions.startDelay !== undefined;
      // A queue decides when its runs start; a start time would compete with it.
      if (queue !== undefined && delayed)
        throw new InvalidQueueOptionError(
          queue.name,
          "a queued start cannot also have startAt or startDelay",
          "use debounce to hold a queued start back, or leave out the queue for a delayed start",
        );
      const lease =
        startOptions.transaction === undefined && queue === undefined && !delayed
          ? options.engine?.eagerLease(namespace, name, versionHash)
          : undefined;
      const startRun = async (traceContext?: TraceContext): Promise<StartedRun> => {
        const valid = validTraceContext(traceContext);
        const request: StartRunRequest = {
          namespace,
          workflowName: name,
          versionHash,
          input: encoded,
          ...(startOptions.id === undefined ? {} : { workflowId: startOptions.id }),
          ...(startOptions.attributes === undefined ? {} : { attributes: startOptions.attributes }),
          ...(startOptions.onConflict === undefined ? {} : { onConflict: startOptions.onConflict }),
          ...(idReusePolicy === undefined ? {} : { idReusePolicy }),
          ...(lease === undefined ? {} : { lease }),
          ...(queue === undefined ? {} : { queue }),
          ...(valid === undefined ? {} : { traceContext: valid }),
          ...(startOptions.startAt === undefined ? {} : { startAt: Number(startOptions.startAt) }),
          ...(startOptions.startDelay === undefined ? {} : { startDelayMs: startOptions.startDelay }),
        };
        // A fresh eager start goes in with its first step: the engine computes it before the
        // insert, which commits both (see EagerStarts.startWithFirstStep).
        const engine = options.engine;
        const { run, created, claim } =
          lease !== undefined && startOptions.id === undefined && engine?.startWithFirstStep !== undefined
            ? await engine.startWithFirstStep({ ...request, lease }, (r) => journal.startRun(r))
            : await joinedJournal(journal, startOptions.transaction).startRun(request);
        if (claim !== undefined) options.engine?.runEagerly(claim);
        // An existing run under this id that belongs to another workflow would hand the caller a
        // result of the wrong type: refuse it whatever the conflict policy says.
        if (!created && (startOptions.onConflict === "fail" || run.workflowName !== name)) {
          throw new RunAlreadyExistsError(run.workflowId, run.runId);
        }
        return { runId: run.runId, workflowId: run.workflowId, created };
      };
      const hook = options.instrumentation?.start;
      const started =
        hook === undefined
          ? await startRun()
          : await hook.call(
              options.instrumentation,
              {
                namespace,
                workflowName: name,
                ...(startOptions.id === undefined ? {} : { workflowId: startOptions.id }),
              },
              startRun,
            );
      return {
        runId: started.runId,
        workflowId: started.workflowId,
        created: started.created,
        result: (opts) => result(started.runId, opts),
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
      return sendSignal(journal, code, runId, nameOrDefinition, payload, signalOptions, maxPayloadBytes);
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
      return sendUpdate(journal, runId, update, input, updateOptions, {
        maxPayloadBytes,
        pollIntervalMs,
        code,
      });
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
      checkQueryTypes(
        filter.where,
        filter.orderBy,
        attributeScopeOf([...code.workflows, ...(code.engine?.workflows ?? [])], filter.workflowName),
      );
      const { namespace: asked, ...rest } = filter;
      const scope = asked === undefined ? namespace : namespaceScope(asked);
      const page = await journal.listRuns({ ...rest, ...(scope === undefined ? {} : { namespace: scope }) });
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
    schedules: createScheduleClient(journal, namespace, maxPayloadBytes),
  };
  return client;
}
