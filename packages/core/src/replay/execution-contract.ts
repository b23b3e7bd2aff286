import type {
  Command,
  EffectIdentity,
  Encoded,
  HistoryEvent,
  HistoryEventBody,
  ResolutionEvent,
  TerminalCommand,
} from "../model/index.ts";
import type { EffectScopeStorage } from "../workflow/effect-host.ts";
import type { AnyWorkflowDefinition } from "../workflow/workflow.ts";

/**
 * The seam between the pure replay engine (src/replay) and the worker (src/worker).
 *
 * An `Execution` is one run's workflow function alive in memory. The worker creates it from
 * the run's history (`createExecution` replays every recorded event, in journal order, with
 * all microtasks settled between deliveries, and throws `ReplayDriftError` on mismatch), then
 * feeds it each step's inbox and commits what `step` returns. While the worker holds the run's
 * lease the execution stays cached (sticky); after a crash, lease loss or eviction it is
 * rebuilt by replay. Replay never writes: the worker writes, and only what `step` returned.
 */
export interface Execution {
  readonly runId: string;
  /** Number of history events this execution has consumed or produced (the journal's lastSeq once committed). */
  readonly lastSeq: number;
  /** True once the run reached a terminal command; `step` may not be called again. */
  readonly finished: boolean;
  /**
   * Delivers `deliveries` one at a time, in order, settling microtasks after each, and
   * returns the events to append. The first call after `createExecution` also returns the
   * commands the code issued past the end of the recorded history.
   */
  step(input: ExecutionStepInput): Promise<ExecutionStepResult>;
  /**
   * Answers a query with the handler the code registered (`setHandler`), between steps, with
   * effects barred: it writes nothing and changes no history. Throws `QueryNotRegisteredError`.
   */
  query(name: string, args: readonly unknown[]): unknown;
  /** Drops the execution (eviction, lease loss). Pending promises are abandoned, never resolved. */
  dispose(): void;
}

export interface ExecutionStepInput {
  /** The journal clock at this step: what `now()` records when it is called live. */
  readonly now: number;
  readonly deliveries: readonly ResolutionEvent[];
}

export interface ExecutionStepResult {
  /**
   * Events to append, in order: each delivered resolution followed by the command events it
   * caused; a terminal lifecycle event last when the run ended.
   */
  readonly events: readonly HistoryEventBody[];
  /** The command events of `events` plus the terminal command, in order (for tasks and timers). */
  readonly commands: readonly Command[];
  /** Signal-wait timeout timers no longer needed. */
  readonly cancelTimers: readonly EffectIdentity[];
  /**
   * Activity calls a cancellation or workflow timeout rejected in this step: their tasks should
   * not start (the journal deletes those still waiting for an attempt; one already running
   * finishes, and its result is delivered as usual). Compensations are never listed.
   */
  readonly cancelTasks: readonly EffectIdentity[];
  /** Set when the run ended in this step. */
  readonly outcome?: TerminalCommand;
}

/** What `createExecution` needs to know about the run. */
export interface ExecutionRun {
  readonly runId: string;
  readonly workflowId: string;
  /** Full history, seq 1.. (seq 1 is run_started and carries the encoded input). */
  readonly history: readonly HistoryEvent[];
}

/** Replay-safe log sink: called only for log() calls made while the execution is live. */
export type LogSink = (entry: {
  runId: string;
  level: "debug" | "info" | "warn" | "error";
  message: string;
  data?: Encoded;
}) => void;

/** Options of `createExecution` (all optional). */
export interface ExecutionOptions {
  /** Receives `log()` calls made while the execution is live (never during replay). */
  readonly logSink?: LogSink;
  /**
   * The journal clock for effects the code issues right after replay, before the first
   * `step()` (what `now()` records then). Defaults to the `at` of the last history event.
   */
  readonly now?: number;
  /**
   * Async-context storage (in Node: `new AsyncLocalStorage()`, one per process is enough). The
   * execution runs its workflow function and its sideEffect functions in scopes of it, so an
   * effect call is attributed to the run whose code made it: code resumed by something other
   * than an effect, or a sideEffect function, gets CTM_EFFECT_OUTSIDE_WORKFLOW instead of
   * reaching whichever run's turn is open. Without it (browsers, pure tests), the open turn
   * decides, and only synchronous calls inside sideEffect functions are caught.
   */
  readonly effectScopes?: EffectScopeStorage;
  /**
   * The queues the engine serves activity attempts in (its `queues` and its activities' own).
   * A new activity call routed to another queue throws CTM_INVALID_QUEUE_OPTION: no engine of
   * this deployment would start its attempts. Absent: not checked (replay tools, tests).
   */
  readonly queues?: ReadonlySet<string>;
  /**
   * `"refuse"`: a sideEffect the code calls live is not run; the execution breaks instead and
   * its step rejects with ExecutionStateError (state `side_effect_refused`). The engine steps a
   * run this way when it computes the run's first step before the run is stored (an eager start
   * with its first step), so that no user side effect runs for a start that may still fail; it
   * then starts the run the ordinary way. Default `"run"`.
   */
  readonly sideEffects?: "run" | "refuse";
}

/**
 * Builds a run's execution by replaying its history (async: replay settles microtasks between
 * deliveries). Rejects with `ReplayDriftError` when the code no longer matches the history.
 */
export type CreateExecution = (
  definition: AnyWorkflowDefinition,
  run: ExecutionRun,
  options?: ExecutionOptions,
) => Promise<Execution>;
