import { deserializeError } from "../codec/index.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import { createClient, type Client } from "../client/create-client.ts";
import type { EngineEventEmitter } from "../worker/engine-events.ts";
import { createEngineEventEmitter } from "../worker/engine-event-emitter.ts";
import { attachOperatorLog } from "../logging/operator-log.ts";
import { captureLogger, type CapturedLog } from "../logging/capture-logger.ts";
import { createEngineLog } from "../logging/logger.ts";
import { createManualEngine, type ManualEngine } from "../worker/manual-engine.ts";
import type { ActivityImplementation } from "../worker/activity-pool.ts";
import { activityContext } from "../worker/activity-context.ts";
import { runReader } from "../worker/instrumentation.ts";
import { checkStepByReplay } from "./paranoid-replay.ts";
import { wakePausedEngine } from "./paused-engine-check.ts";
import { runWaits } from "./run-waits.ts";
import { testJournalFor } from "./test-journal.ts";
import { exploreOn } from "./explore-crash-points.ts";
import type {
  CrashOptions,
  CrashPoint,
  RestartOptions,
  TestEnvironment,
  TestEnvironmentOptions,
} from "./test-environment.ts";
import { Limits, checkNumber, checkOptionalNumber } from "../validation/index.ts";
import { MAX_INSTANT_MS } from "../journal/instant-limits.ts";

export type {
  AwaitableStatus,
  CrashOptions,
  CrashPoint,
  DeployedCode,
  RestartOptions,
  TestEnvironment,
  TestEnvironmentOptions,
  WaitCondition,
  WaitForOptions,
} from "./test-environment.ts";

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
  checkOptionalNumber(options.startTime, "startTime", { min: 0, max: 8.64e15, integer: true });
  checkOptionalNumber(options.cacheSize, "cacheSize", { min: 0, max: 1_000_000, integer: true });
  checkOptionalNumber(options.idleActivityMs, "idleActivityMs", { min: 0, max: Limits.maxTimerMs });
  checkOptionalNumber(options.maxRounds, "maxRounds", {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
  });
  const testJournal = await testJournalFor(options.journal, options.startTime, options.schema);
  // A journal passed in belongs to the caller: close() leaves it open.
  const ownsJournal = typeof options.journal === "string" || options.journal === undefined;
  const { journal, timers } = testJournal;
  const idleActivityMs = options.idleActivityMs ?? 100;
  const maxRounds = options.maxRounds ?? 10_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const problems: Error[] = [];
  const events: EngineEventEmitter = createEngineEventEmitter();
  // The lines an engine would print, kept instead (env.logs): test output stays quiet.
  const logs: CapturedLog[] = [];
  attachOperatorLog(events, createEngineLog(captureLogger(logs), options.logLevel ?? "debug"));
  let restarts = 0;

  // Per-run counters: committed steps, finished activity attempts, and calls of each activity.
  const stepsByRun = new Map<string, number>();
  const attemptsByRun = new Map<string, number>();
  const effectsByRun = new Map<string, Record<string, number>>();
  let armedCrash: ((point: CrashPoint) => boolean) | undefined;
  let crashRestart: CrashOptions = {};
  let owner = "test-environment-0";
  let crashPending = false;
  /** An engine paused at a lease-loss point, until the engine that took over has run a round. */
  let zombie: { readonly engine: ManualEngine; readonly at: CrashPoint } | undefined;
  /** The engine that took over committed a step of the run the paused engine held: wake it. */
  let zombieDue = false;
  let struckAt: CrashPoint | undefined;

  let code = {
    workflows: options.workflows,
    activities: options.activities ?? [],
    activityMocks: options.activityMocks ?? [],
  };

  const strike = (point: CrashPoint): void => {
    if (armedCrash === undefined || crashPending || !armedCrash(point)) return;
    armedCrash = undefined;
    crashPending = true;
    struckAt = point;
    if (crashRestart.leaseLoss === true) engine.pause();
    else engine.crash();
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
      owner,
      leaseMs,
      cacheSize: options.cacheSize ?? 100,
      timers,
      events,
      ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
      ...(options.schedules === undefined ? {} : { schedules: options.schedules }),
      activityOverrides: overrides,
      afterCommit: async (step) => {
        if (options.paranoid === true) {
          const problem = await checkStepByReplay(journal, created.registry, step);
          if (problem !== undefined) problems.push(problem);
        }
        if (zombie !== undefined && created !== zombie.engine && step.runId === zombie.at.runId)
          zombieDue = true;
        const count = (stepsByRun.get(step.runId) ?? 0) + 1;
        stepsByRun.set(step.runId, count);
        strike({ kind: "after_step", runId: step.runId, step: count });
      },
    });
    return created;
  };
  let engine = createEngine();
  options.instrumentation?.attach?.({
    owner: "test-environment",
    namespace: options.namespace ?? "default",
    events,
    readRun: runReader(journal),
    queueStats: () => journal.queueStats(),
  });

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
    await resumeZombie();
    const sameOwner = restartOptions.sameOwner === true;
    if (restartOptions.graceful === true) await engine.stop({ graceful: true });
    else {
      engine.crash();
      // Its last statements may still commit (a process can die between a commit and its
      // answer): let them land before time moves, so each crash plays out the same way.
      await engine.crashLanded();
      // As in production, a new process takes the runs over once the dead one's leases expire;
      // one with the same owner id takes its own leases back at once.
      if (!sameOwner)
        await testJournal.advanceTo(
          (await testJournal.now()) + leaseMs + 1,
          "a crash restart (waiting out the dead engine's leases; restart({ sameOwner: true }) does not)",
        );
    }
    replaceEngine(restartOptions, sameOwner);
  };

  /** The next engine: a new owner id unless `sameOwner`, the code given or the current one. */
  const replaceEngine = (restartOptions: RestartOptions, sameOwner: boolean): void => {
    if (!sameOwner) owner = `test-environment-${restarts + 1}`;
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
    if (!crashPending) {
      // The run was taken over: the paused engine wakes up and finds out.
      if (zombieDue) await resumeZombie();
      return progressed;
    }
    crashPending = false;
    const { leaseLoss, ...restartOptions } = crashRestart;
    if (leaseLoss === true) await takeOver(restartOptions, struckAt!);
    else await restart(restartOptions);
    return true;
  };

  /** A lease loss: the paused engine's leases expire and a new engine (new owner) takes over. */
  const takeOver = async (restartOptions: RestartOptions, at: CrashPoint): Promise<void> => {
    const paused = engine;
    // What it had sent before the pause lands (its answers stay held), so every run plays out alike.
    await paused.crashLanded();
    await testJournal.advanceTo(
      (await testJournal.now()) + leaseMs + 1,
      "a lease loss (letting the paused engine's leases expire)",
    );
    replaceEngine(restartOptions, false);
    zombie = { engine: paused, at };
  };

  /** Ends a lease loss: the paused engine wakes up; what it wrote that it should not have is a problem. */
  const resumeZombie = async (): Promise<void> => {
    if (zombie === undefined) return;
    const { engine: paused, at } = zombie;
    zombie = undefined;
    zombieDue = false;
    const runIds = [...new Set([...stepsByRun.keys(), ...effectsByRun.keys()])];
    problems.push(
      ...(await wakePausedEngine({ journal, paused, at, current: engine, runIds, drainMs: idleActivityMs })),
    );
  };

  /**
   * One round; true also when an activity attempt settled during it: its outcome may have made
   * its run ready after the round looked for ready runs, so another round must look again.
   */
  const roundSeeingAttempts = async (): Promise<boolean> => {
    const attemptsBefore = engine.activeAttempts;
    const before = engine;
    if (await round()) return true;
    return engine === before && engine.activeAttempts < attemptsBefore;
  };

  /** Drives until `done()`; false when nothing more can happen (without moving time when `skipTime` is off). */
  const drive = async (done: () => Promise<boolean>, skipTime: boolean): Promise<boolean> => {
    for (let i = 0; i < maxRounds; i++) {
      throwProblems();
      if (await done()) {
        if (zombie === undefined) return true;
        // A lease loss is checked before the wait ends: the paused engine wakes up first.
        await resumeZombie();
        throwProblems();
        return true;
      }
      if (await roundSeeingAttempts()) continue;
      if (engine.activeAttempts > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settled = await Promise.race([
          engine.whenAnyAttemptSettles().then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), idleActivityMs))),
        ]);
        clearTimeout(timer);
        if (settled || crashPending) continue;
        // Every attempt has its outcome and is writing it (a slow database, a busy machine): that
        // is no hanging activity, so wait for it rather than move the clock under it.
        if (engine.attemptsInActivityCode === 0) {
          await engine.whenAnyAttemptSettles();
          continue;
        }
      }
      throwProblems();
      const next = earliest(await journal.nextDueAt(), timers.nextAt());
      if ((next === undefined || !skipTime) && zombie !== undefined) {
        // Nothing else can happen: the paused engine wakes up (it may have work to finish).
        await resumeZombie();
        continue;
      }
      if (next === undefined) return false;
      if (next <= (await testJournal.now())) {
        // Became due in real time since the round (SQL clocks run): one more round decides.
        if (await roundSeeingAttempts()) continue;
        return false;
      }
      if (!skipTime) return false;
      await testJournal.advanceTo(next, "skipping time to the next timer, retry or deadline (skipTime)");
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

  const { waitFor, finish } = runWaits({
    journal,
    drive,
    registry: () => engine.registry,
    describe: (runId) => client.describe(runId),
  });

  const base = createClient({
    journal,
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
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
    logs,
    now: () => testJournal.nowSync(),
    // The client's own overloads (typed definitions, plain names), delivered at the next drive.
    sendSignal: client.signal.bind(client) as Client["signal"],
    async advanceTime(ms) {
      const now = await testJournal.now();
      // Infinity would move the clock past every instant a journal can store.
      checkNumber(ms, "advanceTime(ms)", { min: 0, max: MAX_INSTANT_MS - now });
      const target = now + ms;
      await settle();
      for (;;) {
        const next = earliest(await journal.nextDueAt(), timers.nextAt());
        if (next === undefined || next > target || next <= (await testJournal.now())) break;
        await testJournal.advanceTo(next, "advanceTime");
        await engine.renewLeases();
        await settle();
      }
      await testJournal.advanceTo(target, "advanceTime");
      await engine.renewLeases();
      await settle();
    },
    settle,
    waitFor,
    restart,
    crashWhen(when, crashOptions = {}) {
      if (crashOptions.leaseLoss === true && crashOptions.sameOwner === true)
        throw new TestKitError(
          "crashWhen: a lease loss cannot keep the owner id (the paused engine would still hold the leases)",
          { leaseLoss: true, sameOwner: true },
          "leave sameOwner out with leaseLoss: true",
        );
      armedCrash = when;
      crashRestart = crashOptions;
    },
    get deployed() {
      return code;
    },
    effects: (runId) => ({ ...effectsByRun.get(runId) }),
    counts: (runId) => ({ steps: stepsByRun.get(runId) ?? 0, attempts: attemptsByRun.get(runId) ?? 0 }),
    explore: (workflow, input, exploreOptions) => exploreOn(environment, workflow, input, exploreOptions),
    get restarts() {
      return restarts;
    },
    close() {
      closed ??= (async () => {
        await zombie?.engine.stop({ graceful: false });
        await engine.stop({ graceful: false });
        if (ownsJournal) await testJournal.dispose();
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
