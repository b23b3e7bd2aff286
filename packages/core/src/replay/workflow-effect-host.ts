import { decode } from "../codec/index.ts";
import { ExecutionStateError } from "../errors/replay-errors.ts";
import { CancelledError, SignalWaitReplacedError } from "../errors/workflow-errors.ts";
import type {
  Cursor,
  Encoded,
  HistoryEvent,
  ResolvedActivityOptions,
  TerminalCommand,
  WorkflowStamp,
} from "../model/index.ts";
import { currentHost, registerScopeStorage } from "../workflow/effect-host.ts";
import type {
  ChildRef,
  ChildRequest,
  EffectHost,
  EffectScopeStorage,
  PreparedCompensation,
  TimerSpec,
} from "../workflow/effect-host.ts";
import type { CompensateAllOptions } from "../workflow/compensate.ts";
import type { LogLevel } from "../workflow/log.ts";
import type { AnyWorkflowDefinition } from "../workflow/workflow.ts";
import { ActivityScheduler } from "./activity-scheduler.ts";
import { ChildEffects } from "./child-effects.ts";
import { CompensationLedger } from "./compensation-ledger.ts";
import { forever, rejected } from "./deferred.ts";
import { EffectRecorder } from "./effect-recorder.ts";
import { EffectWaits } from "./effect-waits.ts";
import type { ExecutionOptions, LogSink } from "./execution-contract.ts";
import { HistoryMatcher } from "./history-matcher.ts";
import { QueryHandlers, type QueryHandlerFn } from "./query-handlers.ts";
import { UpdateHandlers } from "./update-handlers.ts";
import { logEntry } from "./log-entry.ts";
import { RecordedValues } from "./recorded-values.ts";
import { RunLifecycle } from "./run-lifecycle.ts";
import { ScopeRunner } from "./scope-runner.ts";
import { checkServedQueue } from "./served-queue.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";
import { checkAttributeUpdate } from "../workflow/search-attributes.ts";

/**
 * The effect side of one run's execution: the {@link EffectHost} its workflow code calls into,
 * with the state and collaborators of the run. {@link WorkflowExecution} adds the stepping (replay,
 * step, turns, the code's ending); the two are split by responsibility, not meant to be used apart.
 *
 * Per-step work touches only maps keyed by identity and name, so it does not grow with the length
 * of the history.
 *
 * Each effect call is guarded, then calls straight into the collaborator that issues its command,
 * never through another wrapper: drift reports read the user's call site from a stack trace of
 * limited length (call-site.ts), and an activity call is one frame from losing it. Inheritance
 * (rather than delegation) keeps it that way: the effect methods stay the host's own.
 */
export abstract class WorkflowEffectHost implements EffectHost {
  readonly runId: string;
  readonly workflowName: string;
  readonly stamp: WorkflowStamp | undefined;

  protected readonly definition: AnyWorkflowDefinition;
  protected readonly logSink: LogSink | undefined;
  /** Async context (when the environment tracks it): the code of this run runs in its scopes. */
  protected readonly scopes: EffectScopeStorage | undefined;
  protected readonly recorded: HistoryMatcher;
  protected readonly recorder: EffectRecorder;
  protected readonly waits = new EffectWaits();
  protected readonly scopeRunner: ScopeRunner;
  protected readonly lifecycle: RunLifecycle;
  protected readonly activities: ActivityScheduler;
  // The ledger and the update handlers are built on first use (a compensate call, a
  // registration): most runs use neither, and a run held in the sticky cache would otherwise keep
  // both, with their closures. The ledger reads the completed calls' undos from `waits` when
  // asked, so building it late changes nothing it sees.
  private compensationLedger: CompensationLedger | undefined;
  protected readonly values: RecordedValues;
  protected readonly children: ChildEffects;
  protected readonly queries = new QueryHandlers();
  /** Undefined until the code registers an update handler: a delivery then needs no lookup. */
  protected updates: UpdateHandlers | undefined;
  protected readonly servedQueues: ReadonlySet<string> | undefined;
  protected clock: number;
  protected outcome: TerminalCommand | undefined;
  protected outcomeJournaled = false;
  /** Drift or a broken contract: the execution is dead and writes nothing more. */
  protected broken: Error | undefined;
  protected stepping = false;
  protected disposed = false;
  /** The code ended during a journaled turn (see EffectRecorder.replaying): the history must record that ending. */
  protected endedWhileReplaying = false;
  /** Turns run so far: the same sequence live and on replay (one per delivery and per settled sideEffect). */
  protected turns = 0;
  protected seq: number;

  // Bound, not wrapped: see RecordedValues.
  readonly recordValue: EffectHost["recordValue"];
  readonly sideEffect: EffectHost["sideEffect"];
  readonly patched: EffectHost["patched"];
  readonly deprecatePatch: EffectHost["deprecatePatch"];
  readonly scope: EffectHost["scope"];

  constructor(
    definition: AnyWorkflowDefinition,
    runId: string,
    history: readonly HistoryEvent[],
    options: ExecutionOptions,
  ) {
    this.definition = definition;
    this.runId = runId;
    this.workflowName = definition.name;
    this.stamp = definition.stamp;
    this.logSink = options.logSink;
    this.scopes = options.effectScopes;
    this.servedQueues = options.queues;
    if (this.scopes !== undefined) registerScopeStorage(this.scopes);
    this.recorded = new HistoryMatcher(history, this, (error) => {
      this.broken ??= error;
    });
    this.recorder = new EffectRecorder(this.recorded, this.workflowName);
    const scopeRunner = new ScopeRunner({
      host: this,
      storage: this.scopes,
      recorder: this.recorder,
      waits: this.waits,
      ended: () => this.ended(),
    });
    this.scopeRunner = scopeRunner;
    this.scope = scopeRunner.run.bind(scopeRunner);
    this.waits.scopeOf = () => scopeRunner.current();
    this.lifecycle = new RunLifecycle({
      definition,
      waits: this.waits,
      recorder: this.recorder,
      root: scopeRunner.root,
    });
    this.activities = new ActivityScheduler(this.recorder, this.waits);
    const values = new RecordedValues(this.recorder, {
      ended: () => this.ended(),
      now: () => this.clock,
      inSideEffectScope: (fn) => this.inScope(true, fn),
      ...(options.sideEffects === "refuse"
        ? {
            refuseSideEffect: () => {
              this.broken ??= new ExecutionStateError(
                runId,
                "side_effect_refused",
                "a sideEffect was called in a step computed before its run was stored",
              );
            },
          }
        : {}),
    });
    this.values = values;
    this.recordValue = values.recordValue.bind(values);
    this.sideEffect = values.sideEffect.bind(values);
    this.patched = values.patched.bind(values);
    this.deprecatePatch = values.deprecatePatch.bind(values);
    this.children = new ChildEffects(runId, this.recorder, this.waits);
    this.seq = history.length;
    this.clock = options.now ?? history[history.length - 1]?.at ?? 0;
  }

  /** The run's compensation ledger (built at its first use; see `compensationLedger`). */
  protected get compensations(): CompensationLedger {
    this.compensationLedger ??= new CompensationLedger({
      drain: () => this.waits.drainCompensations(),
      schedule: (cursor, c) =>
        this.activities.schedule(cursor, c.activityName, c.args, c.options, undefined, true),
      // Undoing is cleanup: a cancelled run still compensates.
      blocked: () => this.blocked(false),
    });
    return this.compensationLedger;
  }

  /**
   * The code ended (or continues as new). Whatever it still waits on is abandoned; the terminal
   * event is journaled by the step that returns it (or matched against history during replay).
   */
  protected finish(outcome: TerminalCommand): void {
    this.outcome = outcome;
    this.endedWhileReplaying = this.recorder.replaying;
    this.waits.abandon();
  }

  /** Runs `fn` in this run's async scope, when the environment tracks async context. */
  protected inScope<R>(inSideEffect: boolean, fn: () => R): R {
    const scopes = this.scopes;
    return scopes === undefined ? fn() : scopes.run({ host: this, inSideEffect }, fn);
  }

  // --- queries and updates --------------------------------------------------------------

  setQueryHandler(name: string, handler: QueryHandlerFn): void {
    this.queries.set(name, handler);
  }

  setUpdateHandler(name: string, handler: (input: unknown) => unknown): void {
    if (this.ended()) return;
    this.updates ??= new UpdateHandlers({
      recorder: this.recorder,
      waits: this.waits,
      ended: () => this.ended(),
      inRunScope: (fn) => this.inScope(false, fn),
      inTurn: () => currentHost() === this,
    });
    this.updates.set(name, handler);
  }

  query(name: string, args: readonly unknown[]): unknown {
    if (this.disposed) throw new ExecutionStateError(this.runId, "disposed", "query() after dispose()");
    if (this.stepping)
      throw new ExecutionStateError(this.runId, "stepping", "query() while a step() is running");
    return this.queries.answer(this.runId, name, args);
  }

  // --- cancellation scopes --------------------------------------------------------------

  completeDespiteCancel(): void {
    if (this.ended()) return;
    this.lifecycle.completeDespiteCancel();
  }

  // --- effects (EffectHost) -------------------------------------------------------------

  /**
   * Common guard of effects the code waits on. Returns a promise to hand back instead, if any:
   * an effect started in a cancelled scope is rejected at once (`cancellable` false: a
   * compensation, which is cleanup and never cancelled).
   */
  protected blocked(cancellable = true): Promise<never> | undefined {
    if (this.ended()) return forever;
    if (cancellable) {
      const cancelled = this.scopeRunner.cancellation();
      if (cancelled !== undefined) return rejected(new CancelledError(cancelled.reason));
    }
    return this.lifecycle.armedRejection();
  }

  /** Guard of every effect: throws once the execution broke; true once the run ended or was dropped. */
  protected ended(): boolean {
    if (this.broken !== undefined) throw this.broken;
    return this.outcome !== undefined || this.disposed;
  }

  activity(
    cursor: Cursor,
    activityName: string,
    args: readonly unknown[],
    options: ResolvedActivityOptions,
    compensation: PreparedCompensation | undefined,
  ): Promise<unknown> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    if (this.recorder.recording) checkServedQueue(this.servedQueues, activityName, options.queue);
    return this.activities.schedule(
      cursor,
      activityName,
      encodeWithinLimit(args, "args"),
      options,
      compensation,
    );
  }

  compensate(cursor: Cursor, result: object): Promise<void> {
    const blocked = this.blocked(false);
    if (blocked !== undefined) return blocked;
    return this.compensations.compensate(cursor, result);
  }

  compensateAll(cursor: Cursor, options: CompensateAllOptions = {}): Promise<void> {
    return this.compensations.compensateAll(cursor, options);
  }

  timer(cursor: Cursor, spec: TimerSpec): Promise<void> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    const identity = this.recorder.nextIdentity(cursor);
    this.recorder.issue({ kind: "timer_started", identity, ...spec });
    return this.waits.add(identity, { kind: "timer" }) as Promise<void>;
  }

  signal(cursor: Cursor, name: string, timeoutMs: number | undefined): Promise<unknown> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    const identity = this.recorder.nextIdentity(cursor);
    const arrived = this.waits.takeSignal(name);
    // A wait served from the mailbox needs no timeout timer, so none is asked for.
    const timed = arrived === undefined && timeoutMs !== undefined;
    this.recorder.issue({ kind: "signal_wait_started", identity, name, ...(timed ? { timeoutMs } : {}) });
    // Older waits for this name still pending from earlier turns give way to this one.
    const replaced = this.waits.replaceSignalWaits(
      name,
      this.turns,
      (old) => new SignalWaitReplacedError(name, old, identity),
    );
    this.recorder.withdrawTimers(replaced);
    if (arrived === undefined)
      return this.waits.add(identity, { kind: "signal", name, timed, turn: this.turns });
    try {
      return Promise.resolve(decode(arrived.payload, "signal"));
    } catch (error) {
      return rejected(error);
    }
  }

  startChild(cursor: Cursor, request: ChildRequest): Promise<ChildRef> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    return Promise.resolve(this.children.open(cursor, request));
  }

  awaitChild(cursor: Cursor | undefined, ref: ChildRef): Promise<unknown> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    return this.children.awaitStarted(cursor, ref);
  }

  child(cursor: Cursor, request: ChildRequest): Promise<unknown> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    const ref = this.children.open(cursor, request);
    return this.waits.awaitChild(ref.identity, ref);
  }

  continueAsNew(cursor: Cursor, input: unknown): Promise<never> {
    const blocked = this.blocked();
    if (blocked !== undefined) return blocked;
    this.finish(this.children.continueAsNew(cursor, input));
    return forever;
  }

  log(cursor: Cursor, level: LogLevel, message: string, data: unknown): void {
    if (this.ended()) return;
    this.recorder.nextIdentity(cursor);
    if (!this.recorded.live || this.recorder.redelivering || this.logSink === undefined) return;
    const entry = logEntry(this.runId, level, message, data);
    try {
      this.logSink(entry);
    } catch {
      // A failing log sink must not change what the workflow does.
    }
  }

  setAttributes(cursor: Cursor, attributes: unknown): Readonly<Record<string, Encoded>> {
    if (this.ended()) return Object.freeze({});
    // Checked before the identity is taken: a refused call journals nothing, live and on replay.
    checkAttributeUpdate(this.workflowName, this.definition.searchAttributes, attributes);
    const identity = this.recorder.nextIdentity(cursor);
    const values = JSON.parse(JSON.stringify(attributes)) as Record<string, Encoded>;
    // On replay, the recorded event: the code sees the values the run holds, not new ones.
    const event = this.recorder.issue({ kind: "attributes_set", identity, attributes: values });
    return Object.freeze({ ...(event.kind === "attributes_set" ? event.attributes : values) });
  }
}
