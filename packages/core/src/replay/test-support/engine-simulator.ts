import { encode, serializeError } from "../../codec/index.ts";
import type {
  EffectIdentity,
  HistoryEvent,
  HistoryEventBody,
  ResolutionEvent,
  TerminalCommand,
} from "../../model/index.ts";
import type { AnyWorkflowDefinition } from "../../workflow/workflow.ts";
import { createExecution } from "../create-execution.ts";
import type { Execution, ExecutionOptions, ExecutionStepResult } from "../execution-contract.ts";

/** Open work the simulated engine would be doing for the run. */
export interface OpenWork {
  readonly activities: Map<EffectIdentity, string>;
  /** Sleeps and signal-wait timeouts, by identity. */
  readonly timers: Set<EffectIdentity>;
}

/**
 * Test support: a pure stand-in for the worker (src/worker), so the replay engine can be
 * tested without it. Keeps a run's history array, steps the execution with deliveries, and
 * appends what each step returns with seq and a clock, as the journal would.
 */
export class EngineSimulator {
  readonly definition: AnyWorkflowDefinition;
  readonly runId: string;
  readonly history: HistoryEvent[] = [];
  readonly open: OpenWork = { activities: new Map(), timers: new Set() };
  readonly steps: ExecutionStepResult[] = [];
  execution: Execution | undefined;
  clock: number;
  outcome: TerminalCommand | undefined;
  /** The options the execution was created with; replays reuse them (async-context storage above all). */
  options: ExecutionOptions = {};

  constructor(definition: AnyWorkflowDefinition, runId = "run-1", clock = Date.UTC(2026, 0, 1)) {
    this.definition = definition;
    this.runId = runId;
    this.clock = clock;
  }

  /** Starts a run: writes run_started, creates the execution and takes its first step. */
  static async start(
    definition: AnyWorkflowDefinition,
    input: unknown,
    options: ExecutionOptions & { runId?: string } = {},
  ): Promise<EngineSimulator> {
    const sim = new EngineSimulator(definition, options.runId);
    const { runId: _runId, ...executionOptions } = options;
    sim.options = executionOptions;
    sim.append([
      {
        kind: "run_started",
        workflowName: definition.name,
        versionHash: definition.stamp?.versionHash ?? "",
        input: encode(input, "input"),
      },
    ]);
    sim.execution = await createExecution(
      definition,
      { runId: sim.runId, workflowId: `wf-${sim.runId}`, history: sim.history },
      { ...options, now: sim.clock },
    );
    await sim.step([]);
    return sim;
  }

  /** One engine step: delivers `deliveries` and appends the returned events. */
  async step(deliveries: readonly ResolutionEvent[]): Promise<ExecutionStepResult> {
    if (this.execution === undefined) throw new Error("not started");
    this.clock += 1_000;
    const result = await this.execution.step({ now: this.clock, deliveries });
    this.append(result.events);
    for (const identity of result.cancelTimers) this.open.timers.delete(identity);
    this.steps.push(result);
    if (result.outcome !== undefined) this.outcome = result.outcome;
    return result;
  }

  append(events: readonly HistoryEventBody[]): void {
    for (const event of events) {
      this.history.push({ ...event, seq: this.history.length + 1, at: this.clock } as HistoryEvent);
      this.track(event);
    }
  }

  private track(event: HistoryEventBody): void {
    switch (event.kind) {
      case "activity_scheduled":
        this.open.activities.set(event.identity, event.activityName);
        break;
      case "timer_started":
        this.open.timers.add(event.identity);
        break;
      case "signal_wait_started":
        if (event.timeoutMs !== undefined) this.open.timers.add(event.identity);
        break;
      case "activity_completed":
      case "activity_failed":
        this.open.activities.delete(event.identity);
        break;
      case "timer_fired":
        this.open.timers.delete(event.identity);
        break;
      default:
        break;
    }
  }

  /** The resolution events of the history, in journal order: what a replay re-delivers. */
  deliveries(): ResolutionEvent[] {
    return this.history
      .filter((e): e is HistoryEvent & ResolutionEvent =>
        [
          "activity_completed",
          "activity_failed",
          "timer_fired",
          "signal_received",
          "cancel_requested",
        ].includes(e.kind),
      )
      .map(({ seq: _seq, at: _at, ...body }) => body as ResolutionEvent);
  }

  /** Replays the current history from scratch with `definition` (default: the same code). */
  replay(
    definition: AnyWorkflowDefinition = this.definition,
    options: ExecutionOptions = {},
  ): Promise<Execution> {
    return createExecution(
      definition,
      { runId: this.runId, workflowId: `wf-${this.runId}`, history: [...this.history] },
      { ...this.options, now: undefined, ...options },
    );
  }
}

/** Builders for resolution events, with payloads encoded as the journal would store them. */
export const resolve = {
  completed: (identity: EffectIdentity, result: unknown, attempts = 1): ResolutionEvent => ({
    kind: "activity_completed",
    identity,
    result: encode(result),
    attempts,
  }),
  failed: (identity: EffectIdentity, error: unknown, attempts = 3): ResolutionEvent => ({
    kind: "activity_failed",
    identity,
    error: serializeError(error),
    attempts,
  }),
  fired: (identity: EffectIdentity): ResolutionEvent => ({ kind: "timer_fired", identity }),
  signal: (name: string, payload: unknown): ResolutionEvent => ({
    kind: "signal_received",
    name,
    payload: encode(payload),
  }),
  cancel: (reason?: string): ResolutionEvent =>
    reason === undefined ? { kind: "cancel_requested" } : { kind: "cancel_requested", reason },
  terminate: (reason?: string): ResolutionEvent => ({
    kind: "cancel_requested",
    ...(reason === undefined ? {} : { reason }),
    force: true,
  }),
};

/** A hand-written stamp for tests (what the transformer would inject). */
export function testStamp(
  cursors: readonly string[],
  file = "packages/core/src/replay/test.workflow.ts",
  line = 1,
) {
  return {
    format: 1 as const,
    versionHash: `test-${cursors.length}-${cursors.join(",").length}`,
    cursors,
    file,
    line,
  };
}
