import { EventEmitter } from "eventemitter3";
import type { Journal, RunRecord } from "../journal/journal.ts";
import { isTerminal, RunStatus } from "../model/run-status.ts";
import { deserializeError } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import { createClient, type Client, type RunHandle } from "../client/create-client.ts";
import type { RunDescription } from "../client/run-description.ts";
import type { AnyActivityDefinition, AnyWorkflowDefinition } from "../worker/definition-info.ts";
import type { EngineEventEmitter, EngineEvents } from "../worker/engine-events.ts";
import { createManualEngine, type ManualEngine } from "../worker/manual-engine.ts";
import type { ActivityImplementation } from "../worker/activity-pool.ts";
import { activityContext } from "../worker/activity-context.ts";
import type { ActivityMock } from "./activity-mock.ts";
import { checkStepByReplay } from "./paranoid-replay.ts";
import { runWaitReason } from "./run-wait-reason.ts";
import { openTestJournal, type TestJournalOption } from "./test-journal.ts";
import { exploreOn, type ExploreOptions, type ExploreReport } from "./explore-crash-points.ts";
import type { WorkflowDefinition } from "../workflow/index.ts";

/** Options of {@link createTestEnvironment}. */
export interface TestEnvironmentOptions {
  /** Workflows the first engine registers (`env.restart({ workflows })` deploys others). */
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly activities?: readonly AnyActivityDefinition[];
  /** Replace activity functions (see `mockActivity`); a mocked activity need not be in `activities`. */
  readonly activityMocks?: readonly ActivityMock[];
  /**
   * The journal: `"memory"` (default), `"pglite"` (embedded, in memory) or a `postgres://` URL
   * (a fresh database on that server, dropped at `close()`). Time skipping works on all three.
   */
  readonly journal?: TestJournalOption;
  /** After every committed step, rebuild the run from its journal and fail on any difference. */
  readonly paranoid?: boolean;
  /** Epoch ms the manual clock starts at (memory journal). Default 2026-01-01T00:00:00Z. */
  readonly startTime?: number;
  readonly namespace?: string;
  /** Sticky executions kept between steps (0 replays every step). Default 100. */
  readonly cacheSize?: number;
  /**
   * Run lease duration, as in production (default 30 s). A crash (`env.restart()`) leaves the
   * leases behind; the new engine takes the runs over once they expire.
   */
  readonly leaseMs?: number;
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

/** What `waitFor` waits for: a status, or a condition on the run's description. */
export type WaitCondition<Output = unknown> =
  AwaitableStatus | ((run: RunDescription<unknown, Output>) => boolean | Promise<boolean>);

/** Options of {@link TestEnvironment.waitFor}. */
export interface WaitForOptions {
  /** Move the clock to the next timer, retry or deadline when nothing else can happen. Default true. */
  readonly skipTime?: boolean;
}

/** Options of {@link TestEnvironment.restart}. */
export interface RestartOptions {
  /** Workflows the new engine registers (a deploy); default the current ones. */
  readonly workflows?: readonly AnyWorkflowDefinition[];
  readonly activities?: readonly AnyActivityDefinition[];
  readonly activityMocks?: readonly ActivityMock[];
  /**
   * true: drain and restart (in-flight steps and attempts finish, leases are given back).
   * false (default): a crash: nothing is released, in-flight attempts are abandoned, and the
   * clock moves past the lease TTL so that the new engine takes the runs over at once.
   */
  readonly graceful?: boolean;
}

/** Where an armed crash (see {@link TestEnvironment.crashWhen}) may strike. */
export type CrashPoint =
  | {
      /**
       * The step committed; attempts it started at once on this engine (the sticky fast path,
       * as in production) are running, so a crash here runs them again after recovery.
       */
      readonly kind: "after_step";
      readonly runId: string;
      /** 1-based count of the run's committed steps, this one included. */
      readonly step: number;
    }
  | {
      /** The activity's function returned; its result is not recorded yet. */
      readonly kind: "after_activity";
      readonly runId: string;
      readonly activityName: string;
      /** 1-based count of the run's finished activity attempts, this one included. */
      readonly attempt: number;
    };

/**
 * A complete Continuum for tests: the real engine and client over a journal whose clock moves
 * only when the test says so, or when nothing else can happen (time skipping). Nothing here
 * sleeps: every wait drives the engine, one deterministic round at a time.
 */
export interface TestEnvironment {
  readonly journal: Journal;
  /** Which journal this is (see {@link TestEnvironmentOptions.journal}). */
  readonly journalKind: "memory" | "pglite" | "postgres";
  /**
   * The environment's own database on PostgreSQL (created for it, dropped at `close()`), for a
   * second process of the test: `openJournal({ url, allowTestClock: true })`.
   */
  readonly databaseUrl?: string;
  /** A real client; its `result()`/`await()` drive the engine (skipping time) until the run finishes. */
  readonly client: Client;
  /** Events of every engine the environment ran (they survive restarts). */
  readonly events: EngineEventEmitter;
  /** The test clock's time (epoch ms; on SQL journals the local estimate of the database clock). */
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
  /**
   * Drives until the run has `status` (or `condition` holds), skipping time when idle unless
   * `skipTime: false`; throws, naming the run and what it waits for, when it can never get there.
   */
  waitFor<Output = unknown>(
    run: string | RunHandle<Output>,
    condition: WaitCondition<Output>,
    options?: WaitForOptions,
  ): Promise<RunDescription<unknown, Output>>;
  /**
   * Drops the engine and starts a new one on the same journal: a crash by default (leases kept
   * until they expire, attempts abandoned, sticky executions gone), or `graceful: true`.
   * With `workflows`, the new engine runs new code: runs resume by replay on it.
   */
  restart(options?: RestartOptions): Promise<void>;
  /**
   * Arms a crash: at the first point where `when` returns true, the engine crashes right there
   * (as a killed process would) and is replaced by a new one with the same code, the way
   * `restart()` does. One-shot.
   */
  crashWhen(when: (point: CrashPoint) => boolean): void;
  /** How many times each activity function (real or mocked) was called, per run. */
  effects(runId: string): Readonly<Record<string, number>>;
  /** Steps committed and activity attempts finished for the run so far (the crash points it passed). */
  counts(runId: string): { readonly steps: number; readonly attempts: number };
  /**
   * Crash-point exploration (see {@link exploreCrashPoints}) on this environment: runs
   * `workflow` clean, then once per step boundary with a crash there, and reports the points
   * after which the result, the history or the activity calls differ from the clean run.
   */
  explore<Input, Output>(
    workflow: WorkflowDefinition<Input, Output>,
    input: Input,
    options?: ExploreOptions<Output>,
  ): Promise<ExploreReport<Output>>;
  /** How many engines crashed or were restarted so far. */
  readonly restarts: number;
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
 * await env.restart();                                    // the process crashes; a new one takes over
 * await env.sendSignal(run.runId, "fraud_review", "approved");
 * expect(await run.result()).toEqual({ shipped: true });  // skips time if it has to
 * ```
 */
export async function createTestEnvironment(options: TestEnvironmentOptions): Promise<TestEnvironment> {
  const testJournal = await openTestJournal(options.journal, options.startTime);
  const { journal, timers } = testJournal;
  const idleActivityMs = options.idleActivityMs ?? 100;
  const maxRounds = options.maxRounds ?? 10_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const problems: Error[] = [];
  const events: EngineEventEmitter = new EventEmitter<EngineEvents>();
  let restarts = 0;

  // Per-run counters: committed steps, finished activity attempts, and calls of each activity.
  const stepsByRun = new Map<string, number>();
  const attemptsByRun = new Map<string, number>();
  const effectsByRun = new Map<string, Record<string, number>>();
  let armedCrash: ((point: CrashPoint) => boolean) | undefined;
  let crashPending = false;

  let code = {
    workflows: options.workflows,
    activities: options.activities ?? [],
    activityMocks: options.activityMocks ?? [],
  };

  const strike = (point: CrashPoint): void => {
    if (armedCrash === undefined || crashPending || !armedCrash(point)) return;
    armedCrash = undefined;
    crashPending = true;
    engine.crash();
  };

  /** Wraps an activity function to count its calls and to host `after_activity` crash points. */
  const counted =
    (name: string, implementation: ActivityImplementation): ActivityImplementation =>
    async (...args: unknown[]) => {
      const runId = activityContext().runId;
      const counts = effectsByRun.get(runId) ?? {};
      counts[name] = (counts[name] ?? 0) + 1;
      effectsByRun.set(runId, counts);
      const value: unknown = await implementation(...args);
      const attempt = (attemptsByRun.get(runId) ?? 0) + 1;
      attemptsByRun.set(runId, attempt);
      strike({ kind: "after_activity", runId, activityName: name, attempt });
      return value;
    };

  const createEngine = (): ManualEngine => {
    const overrides = new Map<string, ActivityImplementation>();
    for (const definition of code.activities)
      overrides.set(definition.name, counted(definition.name, definition.fn as ActivityImplementation));
    for (const mock of code.activityMocks)
      overrides.set(mock.activityName, counted(mock.activityName, mock.implementation));
    const created: ManualEngine = createManualEngine({
      journal,
      workflows: code.workflows,
      activities: code.activities,
      owner: `test-environment-${restarts}`,
      leaseMs,
      cacheSize: options.cacheSize ?? 100,
      timers,
      events,
      activityOverrides: overrides,
      afterCommit: async (step) => {
        if (options.paranoid === true) {
          const problem = await checkStepByReplay(journal, created.registry, step);
          if (problem !== undefined) problems.push(problem);
        }
        const count = (stepsByRun.get(step.runId) ?? 0) + 1;
        stepsByRun.set(step.runId, count);
        strike({ kind: "after_step", runId: step.runId, step: count });
      },
    });
    return created;
  };
  let engine = createEngine();

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

  const restart = async (restartOptions: RestartOptions = {}): Promise<void> => {
    if (restartOptions.graceful === true) await engine.stop({ graceful: true });
    else {
      engine.crash();
      // As in production, the runs are taken over once the dead engine's leases expire.
      await testJournal.advanceTo((await testJournal.now()) + leaseMs + 1);
    }
    code = {
      workflows: restartOptions.workflows ?? code.workflows,
      activities: restartOptions.activities ?? code.activities,
      activityMocks: restartOptions.activityMocks ?? code.activityMocks,
    };
    restarts++;
    engine = createEngine();
  };

  /** One engine round; an armed crash that struck during it is followed by the restart. */
  const round = async (): Promise<boolean> => {
    const progressed = await engine.runOnce();
    if (!crashPending) return progressed;
    crashPending = false;
    await restart();
    return true;
  };

  /** Drives until `done()`; false when nothing more can happen (without moving time when `skipTime` is off). */
  const drive = async (done: () => Promise<boolean>, skipTime: boolean): Promise<boolean> => {
    for (let i = 0; i < maxRounds; i++) {
      throwProblems();
      if (await done()) return true;
      if (await round()) continue;
      if (engine.activeAttempts > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settled = await Promise.race([
          engine.whenAnyAttemptSettles().then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), idleActivityMs))),
        ]);
        clearTimeout(timer);
        if (settled || crashPending) continue;
      }
      throwProblems();
      const next = earliest(await journal.nextDueAt(), timers.nextAt());
      if (next === undefined) return false;
      if (next <= (await testJournal.now())) {
        // Became due in real time since the round (SQL clocks run): one more round decides.
        if (await round()) continue;
        return false;
      }
      if (!skipTime) return false;
      await testJournal.advanceTo(next);
      // The lease keeper's job: a jump of the clock must not take the runs from their engine.
      await engine.renewLeases();
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

  const neverError = async (runId: string, wanted: string, skipTime: boolean): Promise<TestKitError> => {
    const run = await getRun(runId);
    const reason =
      !skipTime && (await journal.nextDueAt()) !== undefined
        ? "nothing is due without moving the clock (skipTime is off; use env.advanceTime or skipTime: true)"
        : await runWaitReason(journal, engine.registry, run);
    return new TestKitError(
      `run ${runId} (${run.workflowName}) can never reach ${wanted}: it is ${run.status} and ${reason}`,
      { runId, workflowName: run.workflowName, status: run.status, expected: wanted },
      "send what the run waits for (env.sendSignal, env.client.cancel), register its workflow, or move the clock",
    );
  };

  const waitFor = async <Output = unknown>(
    run: string | RunHandle<Output>,
    condition: WaitCondition<Output>,
    waitOptions: WaitForOptions = {},
  ): Promise<RunDescription<unknown, Output>> => {
    const runId = typeof run === "string" ? run : run.runId;
    const skipTime = waitOptions.skipTime ?? true;
    const wanted = typeof condition === "string" ? condition : "the awaited condition";
    const reached = await drive(async () => {
      const record = await getRun(runId);
      if (typeof condition === "string") {
        if (record.status === condition) return true;
      } else if (await condition(await client.describe<unknown, Output>(runId))) return true;
      if (isTerminal(record.status)) {
        throw new TestKitError(
          `run ${runId} ended ${record.status}, not ${wanted}${record.error === undefined ? "" : `: ${record.error.name}: ${record.error.message}`}`,
          { runId, status: record.status, expected: wanted },
          "check the workflow's history (env.client.history(runId)) to see how it ended",
          record.error === undefined ? undefined : deserializeError(record.error),
        );
      }
      return false;
    }, skipTime);
    if (!reached) throw await neverError(runId, wanted, skipTime);
    return client.describe<unknown, Output>(runId);
  };

  /** Drives until the run (and any continue-as-new successor) is terminal. */
  const finish = async (runId: string): Promise<void> => {
    let current = runId;
    for (;;) {
      const reached = await drive(async () => isTerminal((await getRun(current)).status), true);
      if (!reached) throw await neverError(current, "the end of the run", true);
      const run = await getRun(current);
      if (run.status !== RunStatus.continued || run.continuedTo === undefined) return;
      current = run.continuedTo;
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

  let closed: Promise<void> | undefined;
  const environment: TestEnvironment = {
    journal,
    journalKind: testJournal.kind,
    ...(testJournal.databaseUrl === undefined ? {} : { databaseUrl: testJournal.databaseUrl }),
    client,
    events,
    now: () => testJournal.nowSync(),
    sendSignal: (runId, name, payload, signalOptions) => client.signal(runId, name, payload, signalOptions),
    async advanceTime(ms) {
      if (!(ms >= 0))
        throw new TestKitError(
          `advanceTime needs a non-negative number of ms, got ${ms}`,
          { ms },
          "pass a duration such as 60_000",
        );
      const target = (await testJournal.now()) + ms;
      await settle();
      for (;;) {
        const next = earliest(await journal.nextDueAt(), timers.nextAt());
        if (next === undefined || next > target || next <= (await testJournal.now())) break;
        await testJournal.advanceTo(next);
        await engine.renewLeases();
        await settle();
      }
      await testJournal.advanceTo(target);
      await engine.renewLeases();
      await settle();
    },
    settle,
    waitFor,
    restart,
    crashWhen(when) {
      armedCrash = when;
    },
    effects: (runId) => ({ ...effectsByRun.get(runId) }),
    counts: (runId) => ({ steps: stepsByRun.get(runId) ?? 0, attempts: attemptsByRun.get(runId) ?? 0 }),
    explore: (workflow, input, exploreOptions) => exploreOn(environment, workflow, input, exploreOptions),
    get restarts() {
      return restarts;
    },
    close() {
      closed ??= (async () => {
        await engine.stop({ graceful: false });
        await testJournal.dispose();
      })();
      return closed;
    },
  };
  return environment;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
