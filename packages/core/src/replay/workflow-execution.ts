import { decode } from "../codec/index.ts";
import { ExecutionStateError } from "../errors/replay-errors.ts";
import { isCommandEvent } from "../model/index.ts";
import type { Encoded, HistoryEvent, ResolutionEvent, TerminalCommand } from "../model/index.ts";
import { currentHost } from "../workflow/effect-host.ts";
import type { Execution, ExecutionStepInput, ExecutionStepResult } from "./execution-contract.ts";
import { isResolutionEvent, terminalEvent } from "./history-events.ts";
import type { QueuedSideEffect } from "./recorded-values.ts";
import { exitCompensationCursor } from "./run-lifecycle.ts";
import { runTurn, settle } from "./turn-scheduler.ts";
import { WorkflowEffectHost } from "./workflow-effect-host.ts";

/**
 * One run's workflow function alive in memory: the {@link Execution} the worker steps, on top of
 * the effect host its code calls into ({@link WorkflowEffectHost}). Created (and replayed) by
 * `createExecution`.
 *
 * Replay and live execution are one code path: an effect call consumes the next recorded
 * command event while there is one (and must match it), and is appended to the step's output
 * once the history is used up. This class runs the code in turns (a delivery, a settled
 * sideEffect) and journals its ending; the effects themselves live in the host.
 */
export class WorkflowExecution extends WorkflowEffectHost implements Execution {
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
   * `cancel({ force: true })`: the run ends cancelled now. Nothing it waits on is settled, so
   * none of its code runs again (no catch block, no onCancel compensation); what it waited on
   * is withdrawn.
   */
  private terminate(reason: string | undefined): void {
    this.recorder.withdraw(this.waits.release());
    this.finish(reason === undefined ? { kind: "cancel_run" } : { kind: "cancel_run", reason });
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
    if (this.updates?.deliver(event) === true) return;
    const releasedTimer = this.waits.resolve(event);
    if (releasedTimer !== undefined) this.recorder.withdrawTimers([releasedTimer]);
  }
}
