import { ReplayDriftError } from "../errors/replay-errors.ts";
import type { DriftSide, ReplayDriftData } from "../errors/replay-errors.ts";
import { isCommandEvent } from "../model/index.ts";
import type { CommandEvent, HistoryEvent, TerminalCommand, WorkflowStamp } from "../model/index.ts";
import { cursorOf, stampLocation, userCallSite } from "./call-site.ts";
import { commandsMatch, describeCommand } from "./command-match.ts";
import { isResolutionEvent, terminalEventKind } from "./history-events.ts";

/** Who is being replayed, for drift messages. */
export interface ReplayContext {
  readonly runId: string;
  readonly workflowName: string;
  readonly stamp: WorkflowStamp | undefined;
}

/**
 * A run's recorded history, walked once from seq 2 while the code replays, and the rules that
 * turn a mismatch into `ReplayDriftError`. Once the walk reaches the end the execution is live
 * and the history is let go.
 */
export class HistoryMatcher {
  private history: readonly HistoryEvent[];
  /** Index of the next recorded event (0 is run_started, consumed by starting the code). */
  private position = 1;
  private readonly context: ReplayContext;
  private readonly onDrift: (error: ReplayDriftError) => void;

  constructor(
    history: readonly HistoryEvent[],
    context: ReplayContext,
    onDrift: (error: ReplayDriftError) => void,
  ) {
    this.history = history;
    this.context = context;
    this.onDrift = onDrift;
  }

  /** True once every recorded event was consumed: effects now produce new events. */
  get live(): boolean {
    return this.position >= this.history.length;
  }

  /** The next recorded event, without consuming it. */
  peek(): HistoryEvent | undefined {
    return this.history[this.position];
  }

  /** Consumes the next recorded event (a resolution or lifecycle event the caller handled). */
  skip(): void {
    this.position += 1;
  }

  /** Replay is over: drops the history, so a long-lived execution does not hold it. */
  release(): void {
    this.history = [];
    this.position = 0;
  }

  /**
   * Checks a command the code issues against the next recorded event and consumes it. Past the
   * end of the history this is drift too: the caller only asks while it replays a turn that
   * was journaled whole (a step commits a delivery with every command it caused).
   */
  match(command: CommandEvent): CommandEvent {
    const recorded = this.history[this.position];
    if (recorded === undefined) {
      throw this.drift(
        "added",
        { effect: "no new effect: the history ends here, and this turn was journaled whole" },
        this.currentSide(command),
      );
    }
    if (!isCommandEvent(recorded)) {
      const side: DriftSide = isResolutionEvent(recorded)
        ? { effect: `no new effect before ${recorded.kind}`, seq: recorded.seq }
        : { effect: recorded.kind, seq: recorded.seq };
      throw this.drift("added", side, this.currentSide(command));
    }
    if (!commandsMatch(recorded, command))
      throw this.drift("changed", this.recordedSide(recorded), this.currentSide(command));
    this.position += 1;
    return recorded;
  }

  /**
   * Drift: the recorded patch marker at this identity names another patch than the code's
   * (patch ids held in constants share one identity, so only the value tells them apart).
   */
  patchReplaced(
    recorded: HistoryEvent & CommandEvent & { kind: "value_recorded" },
    patchId: string,
  ): ReplayDriftError {
    const current = this.currentSide({ kind: "value_recorded", identity: recorded.identity, value: patchId });
    return this.drift(
      "changed",
      { ...this.recordedSide(recorded), effect: `patched(${JSON.stringify(recorded.value)})` },
      { ...current, effect: `patched(${JSON.stringify(patchId)})` },
    );
  }

  /** Consumes the next recorded event when `accept` says it is the one, without judging otherwise. */
  consumeIf(accept: (event: HistoryEvent) => boolean): boolean {
    const next = this.history[this.position];
    if (next === undefined || !accept(next)) return false;
    this.position += 1;
    return true;
  }

  /** After a turn: a recorded command still waiting to be matched is one the code no longer issues. */
  checkNothingSkipped(): void {
    const next = this.history[this.position];
    if (next !== undefined && isCommandEvent(next)) this.drift("removed", this.recordedSide(next), undefined);
  }

  /** Checks a recorded terminal event against how the code ended (`undefined`: still running). */
  matchTerminal(event: HistoryEvent, outcome: TerminalCommand | undefined): boolean {
    const sameKind = outcome !== undefined && terminalEventKind[outcome.kind] === event.kind;
    // Results are compared too; errors are not (their stacks differ from one run to the next).
    const sameResult =
      !sameKind ||
      event.kind !== "run_completed" ||
      outcome.kind !== "complete_run" ||
      JSON.stringify(event.result) === JSON.stringify(outcome.result);
    if (sameKind && sameResult) return true;
    const current: DriftSide =
      outcome === undefined
        ? { effect: "still waiting on effects" }
        : {
            effect: sameKind
              ? `${terminalEventKind[outcome.kind]} with another result`
              : terminalEventKind[outcome.kind],
          };
    this.drift("outcome", { effect: event.kind, seq: event.seq }, current);
    return false;
  }

  /**
   * The code ended during a turn the history recorded whole, yet the history has no terminal
   * event: the recorded run went on waiting at that point.
   */
  endedEarly(outcome: TerminalCommand): void {
    this.drift(
      "outcome",
      { effect: "no terminal event: the recorded run went on waiting here" },
      { effect: terminalEventKind[outcome.kind] },
    );
  }

  private recordedSide(event: HistoryEvent & CommandEvent): DriftSide {
    const location = stampLocation(this.context.stamp, cursorOf(event.identity));
    return {
      effect: describeCommand(event),
      identity: event.identity,
      seq: event.seq,
      ...(location === undefined ? {} : { location }),
    };
  }

  private currentSide(command: CommandEvent): DriftSide {
    const site = userCallSite();
    const location =
      site === undefined
        ? stampLocation(this.context.stamp, cursorOf(command.identity))
        : `called at ${site}`;
    return {
      effect: describeCommand(command),
      identity: command.identity,
      ...(location === undefined ? {} : { location }),
    };
  }

  private drift(
    kind: ReplayDriftData["drift"],
    recorded: DriftSide | undefined,
    current: DriftSide | undefined,
  ): ReplayDriftError {
    const error = new ReplayDriftError({
      runId: this.context.runId,
      workflowName: this.context.workflowName,
      drift: kind,
      ...(recorded === undefined ? {} : { recorded }),
      ...(current === undefined ? {} : { current }),
    });
    this.onDrift(error);
    return error;
  }
}
