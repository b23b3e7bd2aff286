import type { RunRecord } from "../journal/journal.ts";
import { ManualClock } from "../journal/memory/manual-clock.ts";
import { MemoryJournal } from "../journal/memory/memory-journal.ts";
import { isTerminal, RunStatus } from "../model/run-status.ts";
import { deserializeError } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import { createClient, type Client } from "../client/create-client.ts";
import type { RunDescription } from "../client/run-description.ts";
import type { AnyActivityDefinition, AnyWorkflowDefinition } from "../worker/definition-info.ts";
import type { EngineEventEmitter } from "../worker/engine-events.ts";
import { createEngineRuntime, type EngineRuntime } from "../worker/engine-runtime.ts";
import type { ActivityMock } from "./activity-mock.ts";
import { createManualTimers } from "./manual-timers.ts";
import { checkStepByReplay } from "./paranoid-replay.ts";
import { Limits, checkNumber, checkOptionalNumber } from "../validation/index.ts";
import { MAX_INSTANT_MS } from "../journal/instant-limits.ts";

/** Options of {@link createTestEnvironment}. */
export interface TestEnvironmentOptions {
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly activities?: readonly AnyActivityDefinition[];
  /** Replace activity functions (see `mockActivity`); a mocked activity need not be in `activities`. */
  readonly activityMocks?: readonly ActivityMock[];
  /** After every committed step, rebuild the run from its journal and fail on any difference. */
  readonly paranoid?: boolean;
  /** Epoch ms the manual clock starts at. Default 2026-01-01T00:00:00Z. */
  readonly startTime?: number;
  readonly namespace?: string;
  /** Sticky executions kept between steps (0 replays every step). Default 100. */
  readonly cacheSize?: number;
  /**
   * Real milliseconds an in-flight activity may take before the test clock is allowed to move
   * on without it (so that a hanging activity's timeout can be tested). Default 100.
   */
  readonly idleActivityMs?: number;
  /** Safety stop for a run that never settles (a workflow looping on timers). Default 10 000 rounds. */
  readonly maxRounds?: number;
}

/** Status a test can wait for. */
export type AwaitableStatus = RunRecord["status"];

/**
 * A complete Continuum in memory: the real engine and client over a `MemoryJournal` whose clock
 * moves only when the test says so, or when nothing else can happen (time-skipping). Nothing
 * here sleeps: every wait drives the engine, one deterministic round at a time.
 */
export interface TestEnvironment {
  readonly journal: MemoryJournal;
  /** A real client; its `result()`/`await()` drive the engine (skipping time) until the run finishes. */
  readonly client: Client;
  readonly events: EngineEventEmitter;
  /** The manual clock's time (epoch ms). */
  now(): number;
  /** Sends a signal (it is delivered at the next drive). */
  sendSignal(
    runId: string,
    name: string,
    payload?: unknown,
    options?: { deliveryId?: string },
  ): Promise<{ accepted: boolean }>;
  /** Moves the clock by `ms`, firing every timer, retry and timeout due on the way, in order. */
  advanceTime(ms: number): Promise<void>;
  /** Runs everything that can run at the current time; the clock does not move. */
  settle(): Promise<void>;
  /** Drives (skipping time when idle) until the run has `status`; throws when it can never get there. */
  waitFor(runId: string, status: AwaitableStatus): Promise<RunDescription>;
  close(): Promise<void>;
}

/**
 * Creates a {@link TestEnvironment}.
 *
 * @example
 * ```ts
 * const env = await createTestEnvironment({ workflows: [orderFlow], activities: [validate, charge, ship, refund] });
 * const run = await env.client.start(orderFlow, { orderId: "o-1", items });
 * await env.settle();                                     // the run now waits for its review
 * await env.sendSignal(run.runId, "fraud_review", "approved");
 * expect(await run.result()).toEqual({ shipped: true });  // skips time if it has to
 * ```
 */
export async function createTestEnvironment(options: TestEnvironmentOptions): Promise<TestEnvironment> {
  checkOptionalNumber(options.startTime, "startTime", { min: 0, max: 8.64e15, integer: true });
  checkOptionalNumber(options.cacheSize, "cacheSize", { min: 0, max: 1_000_000, integer: true });
  checkOptionalNumber(options.idleActivityMs, "idleActivityMs", { min: 0, max: Limits.maxTimerMs });
  checkOptionalNumber(options.maxRounds, "maxRounds", {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
  });
  const clock = new ManualClock(options.startTime);
  const timers = createManualTimers(clock);
  const journal = new MemoryJournal({ clock });
  const idleActivityMs = options.idleActivityMs ?? 100;
  const maxRounds = options.maxRounds ?? 10_000;
  const problems: Error[] = [];
  let committed = 0;

  const runtime: EngineRuntime = createEngineRuntime({
    journal,
    workflows: options.workflows,
    activities: options.activities ?? [],
    owner: "test-environment",
    workflowConcurrency: 64,
    activityConcurrency: 64,
    // Leases outlive any skipped stretch of time; a single engine never competes for them.
    leaseMs: 10 * 365 * 24 * 3600_000,
    // One engine: a run of a version it lacks has nobody else to wait for.
    unknownVersionAfterMs: 0,
    cacheSize: options.cacheSize ?? 100,
    driftBackoffMs: Number.MAX_SAFE_INTEGER,
    timers,
    activityOverrides: new Map(
      (options.activityMocks ?? []).map((mock) => [mock.activityName, mock.implementation]),
    ),
    ...(options.paranoid === true
      ? {
          afterCommit: async (step) => {
            const problem = await checkStepByReplay(journal, runtime.registry, step);
            if (problem !== undefined) problems.push(problem);
          },
        }
      : {}),
  });
  const { events } = runtime;
  events.on("step.committed", () => committed++);
  events.on("engine.error", (event) =>
    problems.push(
      event.error instanceof Error
        ? event.error
        : new TestKitError(
            `engine error in ${event.where}: ${String(event.error)}`,
            { where: event.where },
            "a non-Error value was thrown; throw Error instances",
            event.error,
          ),
    ),
  );
  events.on("replay.drift", (event) => problems.push(deserializeError(event.error)));

  const throwProblems = (): void => {
    const problem = problems.shift();
    if (problem !== undefined) throw problem;
  };

  /** One round of everything the engine's loops would do; true when something happened. */
  const round = async (): Promise<boolean> => {
    const before = committed;
    const fired = await runtime.fireTimers(1_000);
    // Tasks before steps: claiming tasks may itself write to inboxes (an abandoned last attempt
    // fails its task), and the steps below must see that in the same round.
    const started = await runtime.pollTasks();
    while ((await runtime.pollRuns()) > 0) {
      const stepsBefore = committed;
      await runtime.settleSteps();
      if (committed === stepsBefore) break;
    }
    await runtime.settleSteps();
    const stuck = await runtime.sweepUnknownVersions();
    await new Promise((resolve) => setImmediate(resolve));
    return fired > 0 || committed > before || started > 0 || stuck > 0;
  };

  /** Drives until `done()`; false when nothing more can happen (without moving time when `skipTime` is off). */
  const drive = async (done: () => Promise<boolean>, skipTime: boolean): Promise<boolean> => {
    for (let i = 0; i < maxRounds; i++) {
      throwProblems();
      if (await done()) return true;
      if (await round()) continue;
      if (runtime.pool.active > 0) {
        const settled = await Promise.race([
          runtime.pool.whenAnySettles().then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), idleActivityMs)),
        ]);
        if (settled) continue;
      }
      throwProblems();
      if (!skipTime) return false;
      const next = earliest(await journal.nextDueAt(), timers.nextAt());
      if (next === undefined || next <= clock.now()) return false;
      timers.advanceTo(next);
    }
    throw new TestKitError(
      `the engine was still busy after ${maxRounds} rounds`,
      { maxRounds },
      "a workflow may loop forever (e.g. sleeping in an endless loop); raise maxRounds if it is just long",
    );
  };

  const settle = async (): Promise<void> => {
    await drive(async () => false, false);
  };

  const getRun = async (runId: string): Promise<RunRecord> => {
    const run = await journal.getRun(runId);
    if (run === undefined) throw new RunNotFoundError(runId);
    return run;
  };

  const waitFor = async (runId: string, status: AwaitableStatus): Promise<RunDescription> => {
    const reached = await drive(async () => {
      const run = await getRun(runId);
      if (run.status === status) return true;
      if (isTerminal(run.status)) {
        throw new TestKitError(
          `run ${runId} ended ${run.status}, not ${status}${run.error === undefined ? "" : `: ${run.error.name}: ${run.error.message}`}`,
          { runId, status: run.status, expected: status },
          "check the workflow's history (env.client.history(runId)) to see how it ended",
          run.error === undefined ? undefined : deserializeError(run.error),
        );
      }
      return false;
    }, true);
    if (!reached) {
      const run = await getRun(runId);
      throw new TestKitError(
        `run ${runId} can never reach ${status}: it is ${run.status} and nothing is scheduled (no timer, no due task, no undelivered event)`,
        { runId, status: run.status, expected: status },
        "the run waits for something only the test can send: a signal (env.sendSignal) or a cancellation (env.client.cancel)",
      );
    }
    return client.describe(runId);
  };

  /** Drives until the run (and any continue-as-new successor) is terminal. */
  const finish = async (runId: string): Promise<void> => {
    let current = runId;
    for (;;) {
      await waitForTerminal(current);
      const run = await getRun(current);
      if (run.status !== RunStatus.continued || run.continuedTo === undefined) return;
      current = run.continuedTo;
    }
  };
  const waitForTerminal = async (runId: string): Promise<void> => {
    const reached = await drive(async () => isTerminal((await getRun(runId)).status), true);
    if (!reached) {
      throw new TestKitError(
        `run ${runId} can never finish: nothing is scheduled (no timer, no due task, no undelivered event)`,
        { runId },
        "the run waits for something only the test can send: a signal (env.sendSignal) or a cancellation (env.client.cancel)",
      );
    }
  };

  const base = createClient({
    journal,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  const result = async <Output>(runId: string, opts?: { timeoutMs?: number }): Promise<Output> => {
    await finish(runId);
    return base.result<Output>(runId, opts);
  };
  const client: Client = {
    ...base,
    async start(definition, input, startOptions) {
      const handle = await base.start(definition, input, startOptions);
      return { ...handle, result: (opts) => result(handle.runId, opts) };
    },
    result,
    await: result,
  };

  return {
    journal,
    client,
    events,
    now: () => clock.now(),
    sendSignal: (runId, name, payload, signalOptions) => client.signal(runId, name, payload, signalOptions),
    async advanceTime(ms) {
      // Infinity would move the manual clock past every instant a journal can store.
      checkNumber(ms, "advanceTime(ms)", { min: 0, max: MAX_INSTANT_MS - clock.now() });
      const target = clock.now() + ms;
      await settle();
      for (;;) {
        const next = earliest(await journal.nextDueAt(), timers.nextAt());
        if (next === undefined || next > target || next <= clock.now()) break;
        timers.advanceTo(next);
        await settle();
      }
      timers.advanceTo(target);
      await settle();
    },
    settle,
    waitFor,
    async close() {
      runtime.pool.abortAll();
      await runtime.settleSteps();
      await runtime.cache.clear();
      await journal.close();
    },
  };
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
