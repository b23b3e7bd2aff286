import { EffectOutsideWorkflowError } from "../errors/workflow-errors.ts";
import { effectIdentity } from "../model/index.ts";
import type { CommandEvent, Cursor, EffectIdentity, HistoryEventBody } from "../model/index.ts";
import type { HistoryMatcher } from "./history-matcher.ts";

/** What waits rejected by a cancellation or a timeout leave behind for the engine to withdraw. */
export interface ReleasedWaits {
  readonly timers: readonly EffectIdentity[];
  readonly tasks: readonly EffectIdentity[];
}

/** What one step of an execution records: its events, and the timers and tasks it withdraws. */
export interface RecordedStep {
  readonly events: HistoryEventBody[];
  readonly cancelTimers: EffectIdentity[];
  readonly cancelTasks: EffectIdentity[];
}

/**
 * Where a run's effect calls meet its journal: turns a call site's cursor into the identity of
 * its event, and a command into a new event of the current step (live) or a check against the
 * next recorded event (replay); collects what the step withdraws. Owned by the
 * `WorkflowExecution`; its effect collaborators write through it.
 */
export class EffectRecorder {
  /** The run's recorded history, walked while the code replays. */
  readonly recorded: HistoryMatcher;
  /**
   * Set while replay runs a turn that was journaled (the start, when the history goes on past
   * run_started, or a redelivery): a step commits a turn with every command it caused, so a
   * command such a turn issues past the end of the history is drift ("added"), not new work.
   */
  replaying = false;
  /** Set while replay re-delivers a recorded event: what that turn logs was logged when it first ran. */
  redelivering = false;
  /** Set while a sideEffect function runs synchronously: effects called from it could not be replayed. */
  insideSideEffect = false;

  private readonly workflowName: string;
  private readonly occurrences = new Map<Cursor, number>();
  private output: HistoryEventBody[] = [];
  private cancelTimers: EffectIdentity[] = [];
  private cancelTasks: EffectIdentity[] = [];

  constructor(recorded: HistoryMatcher, workflowName: string) {
    this.recorded = recorded;
    this.workflowName = workflowName;
  }

  /** True when effects produce new events: the history is used up and the turn is not a journaled one. */
  get recording(): boolean {
    return this.recorded.live && !this.replaying;
  }

  /** The identity of the next call at `cursor` (its occurrence counts the calls made there before). */
  nextIdentity(cursor: Cursor): EffectIdentity {
    if (this.insideSideEffect)
      throw new EffectOutsideWorkflowError(
        cursor.slice(0, cursor.indexOf(":")),
        "side-effect",
        this.workflowName,
      );
    const occurrence = this.occurrences.get(cursor) ?? 0;
    this.occurrences.set(cursor, occurrence + 1);
    return effectIdentity(cursor, occurrence);
  }

  /** Journals `command` live, or checks it against the next recorded event during replay. */
  issue(command: CommandEvent): CommandEvent {
    if (!this.recording) return this.recorded.match(command);
    this.output.push(command);
    return command;
  }

  /** Adds `event` to the current step's output as it is (a delivery, a value, a terminal event). */
  append(event: HistoryEventBody): void {
    this.output.push(event);
  }

  /**
   * Adds `event` to the current step's output and returns how to replace it: the event keeps its
   * place among the turn's commands while its final content is not known yet.
   */
  reserve(event: HistoryEventBody): (final: HistoryEventBody) => void {
    const output = this.output;
    const slot = output.length;
    output.push(event);
    return (final) => {
      output[slot] = final;
    };
  }

  /** True when timers released now must be reported to the engine (not a replayed turn). */
  get reportsTimers(): boolean {
    return this.recorded.live && !this.redelivering;
  }

  /** Timers no longer needed (the timeouts of signal waits that ended otherwise). */
  withdrawTimers(timers: readonly EffectIdentity[]): void {
    if (this.reportsTimers) this.cancelTimers.push(...timers);
  }

  /**
   * Tells the engine what rejected waits no longer need: their timers, and the queued tasks of
   * their activity calls (an attempt already running finishes; see EffectWaits.rejectAll).
   */
  withdraw(released: ReleasedWaits): void {
    if (!this.reportsTimers) return;
    this.cancelTimers.push(...released.timers);
    this.cancelTasks.push(...released.tasks);
  }

  /** Takes what the step that ends recorded, leaving everything empty for the next one. */
  drain(): RecordedStep {
    const step = { events: this.output, cancelTimers: this.cancelTimers, cancelTasks: this.cancelTasks };
    this.output = [];
    this.cancelTimers = [];
    this.cancelTasks = [];
    return step;
  }
}
