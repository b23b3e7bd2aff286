import { TestKitError } from "../errors/engine-errors.ts";
import type { Client } from "../client/create-client.ts";
import type { EngineEventEmitter } from "../worker/engine-events.ts";
import { createEngineEventEmitter } from "../worker/engine-event-emitter.ts";
import { attachOperatorLog } from "../logging/operator-log.ts";
import { captureLogger, type CapturedLog } from "../logging/capture-logger.ts";
import { createEngineLog } from "../logging/logger.ts";
import { createManualEngine, type ManualEngine } from "../worker/manual-engine.ts";
import { runReader } from "../worker/instrumentation.ts";
import { checkStepByReplay } from "./paranoid-replay.ts";
import { wakePausedEngine } from "./paused-engine-check.ts";
import { runWaits } from "./run-waits.ts";
import { testJournalFor } from "./test-journal.ts";
import { exploreOn } from "./explore-crash-points.ts";
import { createDrive, earliest } from "./drive-engine.ts";
import { checkTestEnvironmentOptions } from "./check-test-environment-options.ts";
import { collectEngineProblems } from "./engine-problems.ts";
import { createRunCounters } from "./run-counters.ts";
import { createTestClient } from "./test-client.ts";
import type {
  CrashOptions,
  CrashPoint,
  DeployedCode,
  RestartOptions,
  TestEnvironment,
  TestEnvironmentOptions,
} from "./test-environment.ts";
import { checkNumber } from "../validation/index.ts";
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
  checkTestEnvironmentOptions(options);
  const testJournal = await testJournalFor(options.journal, options.startTime, options.schema);
  // A journal passed in belongs to the caller: close() leaves it open.
  const ownsJournal = typeof options.journal === "string" || options.journal === undefined;
  const { journal, timers } = testJournal;
  const idleActivityMs = options.idleActivityMs ?? 100;
  const maxRounds = options.maxRounds ?? 10_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const events: EngineEventEmitter = createEngineEventEmitter();
  // Engine errors and replay drifts, thrown at the test's next wait.
  const { problems, throwProblems } = collectEngineProblems(events);
  // The lines an engine would print, kept instead (env.logs): test output stays quiet.
  const logs: CapturedLog[] = [];
  attachOperatorLog(events, createEngineLog(captureLogger(logs), options.logLevel ?? "debug"));
  let restarts = 0;

  let armedCrash: ((point: CrashPoint) => boolean) | undefined;
  let crashRestart: CrashOptions = {};
  let owner = "test-environment-0";
  let crashPending = false;
  /** An engine paused at a lease-loss point, until the engine that took over has run a round. */
  let zombie: { readonly engine: ManualEngine; readonly at: CrashPoint } | undefined;
  /** The engine that took over committed a step of the run the paused engine held: wake it. */
  let zombieDue = false;
  let struckAt: CrashPoint | undefined;

  let code: DeployedCode = {
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

  // Per-run counters: committed steps, finished activity attempts, and calls of each activity.
  const counters = createRunCounters(strike);
  const { stepsByRun, effectsByRun } = counters;

  const createEngine = (): ManualEngine => {
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
      activityOverrides: counters.activityOverrides(code),
      afterCommit: async (step) => {
        if (options.paranoid === true) {
          const problem = await checkStepByReplay(journal, created.registry, step);
          if (problem !== undefined) problems.push(problem);
        }
        if (zombie !== undefined && created !== zombie.engine && step.runId === zombie.at.runId)
          zombieDue = true;
        const count = counters.countStep(step.runId);
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

  const drive = createDrive({
    testJournal,
    maxRounds,
    idleActivityMs,
    engine: () => engine,
    crashPending: () => crashPending,
    leaseLossPending: () => zombie !== undefined,
    roundSeeingAttempts,
    resumeZombie,
    throwProblems,
  });

  const settle = async (): Promise<void> => {
    await drive(async () => false, false);
  };

  const { waitFor, finish } = runWaits({
    journal,
    drive,
    registry: () => engine.registry,
    describe: (runId) => client.describe(runId),
  });

  const client: Client = createTestClient({
    journal,
    instrumentation: options.instrumentation,
    namespace: options.namespace,
    finish,
  });

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
    effects: counters.effects,
    counts: counters.counts,
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
