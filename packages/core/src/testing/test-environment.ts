import type { ScheduleDefinition } from "../schedules/define-schedule.ts";
import type { Journal, RunRecord } from "../journal/journal.ts";
import type { Client, RunHandle } from "../client/create-client.ts";
import type { RunDescription } from "../client/run-description.ts";
import type { AnyActivityDefinition, AnyWorkflowDefinition } from "../worker/definition-info.ts";
import type { EngineEventEmitter } from "../worker/engine-events.ts";
import type { CapturedLog } from "../logging/capture-logger.ts";
import type { LogLevel } from "../logging/logger.ts";
import type { Instrumentation } from "../worker/instrumentation.ts";
import type { WorkflowDefinition } from "../workflow/index.ts";
import type { ActivityMock } from "./activity-mock.ts";
import type { ExploreOptions, ExploreReport } from "./explore-crash-points.ts";
import type { TestJournal, TestJournalOption } from "./test-journal.ts";

/** Options of `createTestEnvironment`. */
export interface TestEnvironmentOptions {
  /** Workflows the first engine registers (`env.restart({ workflows })` deploys others). */
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly activities?: readonly AnyActivityDefinition[];
  /** Replace activity functions (see `mockActivity`); a mocked activity need not be in `activities`. */
  readonly activityMocks?: readonly ActivityMock[];
  /**
   * The journal: `"memory"` (default), `"pglite"` (embedded, in memory) or a `postgres://` URL
   * (a fresh database on that server, dropped at `close()`). Time skipping works on all three.
   *
   * Or a journal object, which `close()` leaves open: one from `openTestJournal()` (time
   * skipping works, as for its kind), or any `Journal` (its clock is its own: whatever would
   * move time, i.e. skipping to a timer, `advanceTime`, a crash restart without `sameOwner`, a
   * lease loss, throws `TestClockUnavailableError`; `settle`, `waitFor(..., { skipTime: false })`
   * and `restart({ sameOwner: true })` work).
   */
  readonly journal?: TestJournalOption | TestJournal | Journal;
  /** After every committed step, rebuild the run from its journal and fail on any difference. */
  readonly paranoid?: boolean;
  /**
   * Epoch ms the clock starts at (only for a journal the environment opens). Memory journal: default 2026-01-01T00:00:00Z. SQL journals:
   * default the real time; a later time moves the test clock there, an earlier one is refused.
   */
  readonly startTime?: number;
  /**
   * The SQL journal's instance schema, for a journal the environment opens (`"pglite"` or a
   * URL; see `openJournal({ schema })`). Default `continuum`.
   */
  readonly schema?: string;
  readonly namespace?: string;
  /** Sticky executions kept between steps (0 replays every step). Default 100. */
  readonly cacheSize?: number;
  /**
   * Run lease duration, as in production (default 30 s). A crash (`env.restart()`) leaves the
   * leases behind; the new engine takes the runs over once they expire.
   */
  readonly leaseMs?: number;
  /**
   * Real milliseconds an activity function may run before the test clock is allowed to move on
   * without it (so that a hanging activity's timeout can be tested). Default 100. Writing an
   * attempt's outcome to the journal does not count: the clock never moves under an activity
   * that has returned, however slow the database.
   */
  readonly idleActivityMs?: number;
  /**
   * Schedules declared in code, created on the first round as an engine would on boot. Time
   * skipping moves to their fire times (and to delayed starts) like it does to timers.
   */
  readonly schedules?: readonly ScheduleDefinition[];
  /** Safety stop for a run that never settles (a workflow looping on timers). Default 10 000 rounds. */
  readonly maxRounds?: number;
  /** Lowest level kept in {@link TestEnvironment.logs}. Default `"debug"` (everything). */
  readonly logLevel?: LogLevel;
  /**
   * Tracing hooks (e.g. `continuumOtel()`), given to the client and to every engine (restarts
   * included); `attach` is called once, with the environment's events, which outlive restarts.
   */
  readonly instrumentation?: Instrumentation;
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
  /**
   * The new engine keeps the old one's lease owner id, as a process restarted with a stable
   * `owner` (a pod name) does: it takes its leased runs back at once, and after a crash the
   * clock does not move. Attempts the crashed engine had claimed still wait for their deadline.
   * Default false (a new process with a new id).
   */
  readonly sameOwner?: boolean;
}

/**
 * What an armed fault (see {@link TestEnvironment.crashWhen}) does at its point, and how the
 * engine that replaces the struck one starts (its code: a redeploy; its owner id).
 */
export interface CrashOptions extends Omit<RestartOptions, "graceful"> {
  /**
   * Instead of a crash, a lost lease: the engine is paused right there (a long GC pause, a
   * frozen VM), its leases expire (the clock moves past the lease TTL) and a new engine takes
   * its runs over. After the new engine's first round the paused one resumes, finishes what it
   * was doing and shuts down: every write it attempts must be refused by the journal's fencing.
   * If it changes any run's history or status, the next drive throws, naming what it wrote.
   * Cannot be combined with `sameOwner` (the paused engine would still own the leases).
   */
  readonly leaseLoss?: boolean;
}

/** The code an environment's engine runs now (changed by a restart or a redeploy). */
export interface DeployedCode {
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly activities: readonly AnyActivityDefinition[];
  readonly activityMocks: readonly ActivityMock[];
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
  readonly journalKind: "memory" | "pglite" | "postgres" | "external";
  /**
   * The environment's own database on PostgreSQL (created for it, dropped at `close()`), for a
   * second process of the test: `openJournal({ url, allowTestClock: true })`.
   */
  readonly databaseUrl?: string;
  /** A real client; its `result()`/`await()` drive the engine (skipping time) until the run finishes. */
  readonly client: Client;
  /** Events of every engine the environment ran (they survive restarts). */
  readonly events: EngineEventEmitter;
  /**
   * The lines the engines would have logged (run failures, workflow `log()` calls, lost leases,
   * ...), kept here instead of printed, oldest first, so test output stays quiet.
   *
   * @example
   * ```ts
   * expect(env.logs.filter((line) => line.level === "error").map((line) => line.fields["code"])).toEqual(["CTM2101"]);
   * ```
   */
  readonly logs: readonly CapturedLog[];
  /** The test clock's time (epoch ms; on SQL journals the local estimate of the database clock). */
  now(): number;
  /**
   * Sends a signal to a run (by id or handle); it is delivered at the next drive. The same
   * overloads as `client.signal`: with a `defineSignal` definition the payload is type-checked
   * and validated.
   *
   * @example
   * ```ts
   * await env.sendSignal(run, approve, { by: "ann" });
   * await env.sendSignal(run.runId, "fraud_review", "approved");
   * ```
   */
  readonly sendSignal: Client["signal"];
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
   * (as a killed process would) and is replaced by a new one, the way `restart()` does: with
   * the same code, or the code given in `options` (a redeploy at that point). With
   * `leaseLoss: true` the engine is paused there instead and comes back after another engine
   * took its runs over (see {@link CrashOptions.leaseLoss}). One-shot.
   *
   * @example
   * ```ts
   * env.crashWhen((p) => p.kind === "after_step" && p.step === 2, { workflows: [orderV2] }); // deploy v2 there
   * env.crashWhen((p) => p.kind === "after_activity", { leaseLoss: true });
   * ```
   */
  crashWhen(when: (point: CrashPoint) => boolean, options?: CrashOptions): void;
  /** The code the current engine runs (what the next crash restarts with unless told otherwise). */
  readonly deployed: DeployedCode;
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
