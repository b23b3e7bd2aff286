import { decode } from "../codec/index.ts";
import { ExecutionStateError } from "../errors/replay-errors.ts";
import { CancelledError, SignalWaitReplacedError } from "../errors/workflow-errors.ts";
import { isCommandEvent } from "../model/index.ts";
import type {
  Cursor,
  Encoded,
  HistoryEvent,
  ResolutionEvent,
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
import type {
  Execution,
  ExecutionOptions,
  ExecutionStepInput,
  ExecutionStepResult,
  LogSink,
} from "./execution-contract.ts";
import { isResolutionEvent, terminalEvent } from "./history-events.ts";
import { HistoryMatcher } from "./history-matcher.ts";
import { QueryHandlers, type QueryHandlerFn } from "./query-handlers.ts";
import { UpdateHandlers } from "./update-handlers.ts";
import { logEntry } from "./log-entry.ts";
import { RecordedValues } from "./recorded-values.ts";
import type { QueuedSideEffect } from "./recorded-values.ts";
import { RunLifecycle, exitCompensationCursor } from "./run-lifecycle.ts";
import { ScopeRunner } from "./scope-runner.ts";
import { runTurn, settle } from "./turn-scheduler.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";

/**
 * One run's workflow function alive in memory: the effect host its code calls into, and the
 * {@link Execution} the worker steps. Created (and replayed) by `createExecution`.
 *
 * Replay and live execution are one code path: an effect call consumes the next recorded
 * command event while there is one (and must match it), and is appended to the step's output
 * once the history is used up. Per-step work touches only maps keyed by identity and name, so
 * it does not grow with the length of the history.
 *
 * The execution guards each effect call, then calls straight into the collaborator that issues
 * its command, never through another wrapper: drift reports read the user's call site from a
 * stack trace of limited length (call-site.ts), and an activity call is one frame from losing it.
 */
export class WorkflowExecution implements EffectHost, Execution {
  readonly runId: string;
  readonly workflowName: string;
  readonly stamp: WorkflowStamp | undefined;

  private readonly definition: AnyWorkflowDefinition;
  private readonly logSink: LogSink | undefined;
  /** Async context (when the environment tracks it): the code of this run runs in its scopes. */
  private readonly scopes: EffectScopeStorage | undefined;
  private readonly recorded: HistoryMatcher;
  private readonly recorder: EffectRecorder;
  private readonly waits = new EffectWaits();
  private readonly scopeRunner: ScopeRunner;
  private readonly lifecycle: RunLifecycle;
  private readonly activities: ActivityScheduler;
  private readonly compensations: CompensationLedger;
  private readonly values: RecordedValues;
  private readonly children: ChildEffects;
  private readonly queries = new QueryHandlers();
  private readonly updates: UpdateHandlers;
  private clock: number;
  private outcome: TerminalCommand | undefined;
  private outcomeJournaled = false;
  /** Drift or a broken contract: the execution is dead and writes nothing more. */
  private broken: Error | undefined;
  private stepping = false;
  private disposed = false;
  /** The code ended during a journaled turn (see EffectRecorder.replaying): the history must record that ending. */
  private endedWhileReplaying = false;
  /** Turns run so far: the same sequence live and on replay (one per delivery and per settled sideEffect). */
  private turns = 0;
  private seq: number;

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
    this.compensations = new CompensationLedger({
      drain: () => this.waits.drainCompensations(),
      schedule: (cursor, c) =>
        this.activities.schedule(cursor, c.activityName, c.args, c.options, undefined, true),
      // Undoing is cleanup: a cancelled run still compensates.
      blocked: () => this.blocked(false),
    });
    const values = new RecordedValues(this.recorder, {
      ended: () => this.ended(),
      now: () => this.clock,
      inSideEffectScope: (fn) => this.inScope(true, fn),
    });
    this.values = values;
    this.recordValue = values.recordValue.bind(values);
    this.sideEffect = values.sideEffect.bind(values);
    this.patched = values.patched.bind(values);
    this.deprecatePatch = values.deprecatePatch.bind(values);
    this.children = new ChildEffects(runId, this.recorder, this.waits);
    this.updates = new UpdateHandlers({
      recorder: this.recorder,
      waits: this.waits,
      ended: () => this.ended(),
      inRunScope: (fn) => this.inScope(false, fn),
      inTurn: () => currentHost() === this,
    });
    this.seq = history.length;
    this.clock = options.now ?? history[history.length - 1]?.at ?? 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get finished(): boolean {
    return this.outcomeJournaled;
  }

  // --- replay ---------------------------------------------------------------------------

  /** Runs the function from the top against the recorded history. Throws on drift. */
  async replay(started: HistoryEvent | undefined): Promise<void> {
    if (started?.kind !== "run_started") {
      throw new ExecutionStateError(this.runId, "corrupt", "history does not begin with run_started");
    }
    if (started.workflowName !== this.workflowName) {
      throw new ExecutionStateError(
        this.runId,
        "mismatch",
        `history belongs to workflow ${JSON.stringify(started.workflowName)}, not ${JSON.stringify(this.workflowName)}`,
      );
    }
    this.recorder.replaying = this.recorded.peek() !== undefined;
    await this.turn(() => this.start(started.input));
    this.recorder.replaying = false;
    if (this.broken === undefined) this.recorded.checkNothingSkipped();
    for (
      let event = this.recorded.peek();
      event !== undefined && this.broken === undefined;
      event = this.recorded.peek()
    ) {
      if (isCommandEvent(event)) {
        this.recorded.checkNothingSkipped();
      } else if (isResolutionEvent(event)) {
        this.recorded.skip();
        if (this.outcome === undefined) {
          this.recorder.redelivering = true;
          this.recorder.replaying = true;
          await this.turn(() => this.deliver(event));
          this.recorder.redelivering = false;
          this.recorder.replaying = false;
        }
        if (this.broken === undefined) this.recorded.checkNothingSkipped();
      } else {
        if (this.recorded.matchTerminal(event, this.outcome)) this.outcomeJournaled = true;
        this.recorded.skip();
      }
    }
    if (
      this.broken === undefined &&
      this.endedWhileReplaying &&
      !this.outcomeJournaled &&
      this.outcome !== undefined
    )
      this.recorded.endedEarly(this.outcome);
    if (this.broken !== undefined) throw this.broken;
    this.recorded.release();
  }

  // --- stepping -------------------------------------------------------------------------

  async step(input: ExecutionStepInput): Promise<ExecutionStepResult> {
    if (this.broken !== undefined) throw this.broken;
    if (this.disposed) throw new ExecutionStateError(this.runId, "disposed", "step() after dispose()");
    if (this.outcomeJournaled)
      throw new ExecutionStateError(this.runId, "finished", "step() after the run finished");
    if (this.stepping)
      throw new ExecutionStateError(
        this.runId,
        "stepping",
        "step() while another step() of this execution is running",
      );
    this.stepping = true;
    try {
      this.clock = input.now;
      const late: ResolutionEvent[] = [];
      for (const delivery of input.deliveries) {
        // Deliveries after the code finished are journaled all the same (before the terminal event).
        this.recorder.append(delivery);
        if (this.outcome === undefined) await this.turn(() => this.deliver(delivery));
        else late.push(delivery);
        if (this.broken !== undefined) throw this.broken;
        if (this.disposed) throw new ExecutionStateError(this.runId, "disposed", "disposed during step()");
      }
      let outcome: TerminalCommand | undefined;
      if (this.outcome !== undefined) {
        outcome = this.children.withCarriedSignals(this.outcome, late);
        this.recorder.append(terminalEvent(outcome));
        this.outcomeJournaled = true;
      }
      const { events, cancelTimers, cancelTasks } = this.recorder.drain();
      this.seq += events.length;
      const commands: ExecutionStepResult["commands"][number][] = events.filter(isCommandEvent);
      if (outcome !== undefined) commands.push(outcome);
      return outcome === undefined
        ? { events, commands, cancelTimers, cancelTasks }
        : { events, commands, cancelTimers, cancelTasks, outcome };
    } finally {
      this.stepping = false;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.waits.abandon();
    this.values.clear();
  }

  /**
   * One turn: `open` runs synchronously, then microtasks settle. SideEffects called during it
   * then settle one by one in call order, each in a turn of its own; while an async sideEffect
   * function runs, no turn is held, so other executions go on.
   */
  private async turn(open: () => void): Promise<void> {
    await runTurn(this, async () => {
      this.turns += 1;
      open();
      await settle();
    });
    while (this.values.pending && this.broken === undefined && !this.disposed) {
      const next = this.values.take() as QueuedSideEffect;
      const record = await next.ready;
      if (this.disposed) return;
      await runTurn(this, async () => {
        this.turns += 1;
        next.apply(record);
        await settle();
      });
    }
  }

  private start(input: Encoded): void {
    let result: Promise<unknown>;
    this.lifecycle.armDeadline();
    try {
      // Everything the function starts (across every await) runs in this run's scope.
      const fn = this.definition.fn;
      const decoded = decode(input, "input");
      result = Promise.resolve(this.inScope(false, () => fn(decoded)));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.end(value, undefined, false),
      (error: unknown) => this.end(undefined, error, true),
    );
  }

  private end(value: unknown, error: unknown, threw: boolean): void {
    if (this.broken !== undefined || this.outcome !== undefined || this.disposed) return;
    if (currentHost() !== this) {
      // Only a foreign wake-up (a timer, I/O) can resume the code outside its turn; such an
      // ending could not be replayed, so it is not journaled.
      this.broken = new ExecutionStateError(
        this.runId,
        "resumed-outside-turn",
        "the workflow function ended outside of its turn: it awaited something that is not a Continuum effect (a timer, I/O, a promise from outside the workflow)",
      );
      return;
    }
    if (this.lifecycle.compensatesOnExit(error, threw)) {
      // The run compensates before it ends as cancelled (or failed by its timeout): the
      // compensations are ordinary journaled activities, issued here in a deterministic place.
      this.lifecycle.beginExitCompensation();
      // only what has not run yet: an undo the code already ran (even one that failed) is done
      this.compensations.compensateAll(exitCompensationCursor, { order: "lifo" }, true).then(
        () => this.end(value, error, threw),
        (failure: unknown) => this.end(undefined, failure, true),
      );
      return;
    }
    this.finish(this.lifecycle.outcomeOf(value, error, threw));
  }

  /**
   * The code ended (or continues as new). Whatever it still waits on is abandoned; the terminal
   * event is journaled by the step that returns it (or matched against history during replay).
   */
  private finish(outcome: TerminalCommand): void {
    this.outcome = outcome;
    this.endedWhileReplaying = this.recorder.replaying;
    this.waits.abandon();
  }

  /**
   * `cancel({ force: true })`: the run ends cancelled now. Nothing it waits on is settled, so
   * none of its code runs again (no catch block, no onCancel compensation); what it waited on
   * is withdrawn.
   */
  private terminate(reason: string | undefined): void {
    this.recorder.withdraw(this.waits.release());
    this.finish(reason === undefined ? { kind: "cancel_run" } : { kind: "cancel_run", reason });
  }

  /** Runs `fn` in this run's async scope, when the environment tracks async context. */
  private inScope<R>(inSideEffect: boolean, fn: () => R): R {
    const scopes = this.scopes;
    return scopes === undefined ? fn() : scopes.run({ host: this, inSideEffect }, fn);
  }

  private deliver(event: ResolutionEvent): void {
    if (event.kind === "cancel_requested") {
      if (event.force === true) this.terminate(event.reason);
      else this.lifecycle.cancel(event.reason);
      return;
    }
    if (event.kind === "timer_fired" && this.lifecycle.isDeadline(event.identity)) {
      this.lifecycle.timeOut();
      return;
    }
    if (this.updates.deliver(event)) return;
    const releasedTimer = this.waits.resolve(event);
    if (releasedTimer !== undefined) this.recorder.withdrawTimers([releasedTimer]);
  }

  // --- queries and updates --------------------------------------------------------------

  setQueryHandler(name: string, handler: QueryHandlerFn): void {
    this.queries.set(name, handler);
  }

  setUpdateHandler(name: string, handler: (input: unknown) => unknown): void {
    if (this.ended()) return;
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
  private blocked(cancellable = true): Promise<never> | undefined {
    if (this.ended()) return forever;
    if (cancellable) {
      const cancelled = this.scopeRunner.cancellation();
      if (cancelled !== undefined) return rejected(new CancelledError(cancelled.reason));
    }
    return this.lifecycle.armedRejection();
  }

  /** Guard of every effect: throws once the execution broke; true once the run ended or was dropped. */
  private ended(): boolean {
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
}
