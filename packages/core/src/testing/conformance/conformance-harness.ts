import { expect } from "vitest";
import type { ContinuumError } from "../../errors/continuum-error.ts";
import type { ErrorCode } from "../../errors/error-code.ts";
import type {
  Journal,
  NewTask,
  NewTimer,
  RunClaim,
  StartRunRequest,
  StepCommit,
  TaskClaim,
} from "../../journal/journal.ts";
import type { ResolvedActivityOptions } from "../../model/activity-options.ts";
import type { Encoded, HistoryEventBody, RunStatus, SerializedError } from "../../model/index.ts";

/**
 * One journal under test. `runJournalConformance` asks the factory for a fresh one before
 * every test and closes it after.
 */
export interface JournalHarness {
  /** An EMPTY journal: no runs, tasks, timers or stored idempotent results from earlier tests. */
  readonly journal: Journal;
  /**
   * Moves the journal's clock forward by `ms`: everything the journal computes from its clock
   * (`now()`, lease expiry, timer due times, task deadlines and retry times) must see the
   * new time at once. Memory: advance the injected ManualClock. SQL: add `ms` to the clock
   * offset the adapter adds to the database clock (e.g. a `clockOffsetMs` provider in the
   * adapter's options), so `now() + offset` is used everywhere time is read.
   */
  advance(ms: number): Promise<void>;
  /**
   * Resolves once notifier subscriptions made so far are active (SQL: the LISTEN went through).
   * Optional; when absent the suite waits 100 ms.
   */
  listening?(): Promise<void>;
  /** Releases what `create()` took (connections, schemas). */
  close(): Promise<void>;
}

/**
 * What an adapter gives `runJournalConformance`. Tests in one file run one after another, so
 * an SQL adapter may share one database and empty its tables in `create()`.
 */
export interface JournalConformanceFactory {
  create(): Promise<JournalHarness>;
}

/** Accessor for the current test's harness (set in beforeEach). */
export type HarnessRef = () => JournalHarness;

/** The namespace the suite's runs are started in (one other namespace is used for filters). */
export const namespace = "conformance";

/** Starts a run with defaults for everything the test does not care about. */
export async function start(journal: Journal, overrides: Partial<StartRunRequest> = {}) {
  const result = await journal.startRun({
    namespace,
    workflowName: "wf",
    versionHash: "v1",
    input: { n: 1 },
    ...overrides,
  });
  return result.run;
}

/** Activity options with test-friendly defaults. */
export function options(
  overrides: Partial<ResolvedActivityOptions> & { maxAttempts?: number } = {},
): ResolvedActivityOptions {
  const { maxAttempts = 3, ...rest } = overrides;
  return {
    retry: {
      maxAttempts,
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maxIntervalMs: 60_000,
      nonRetryableErrors: [],
    },
    startToCloseMs: 30_000,
    ...rest,
  };
}

/** A NewTask with default activity name, arguments and options. */
export function task(
  identity: string,
  activityName = "act",
  args: Encoded = [1],
  opts: ResolvedActivityOptions = options(),
): NewTask {
  return { identity, activityName, args, options: opts };
}

/** The activity_scheduled event a step writes with `t`. */
export function scheduledEvent(t: NewTask): HistoryEventBody {
  return {
    kind: "activity_scheduled",
    identity: t.identity,
    activityName: t.activityName,
    args: t.args,
    options: t.options,
  };
}

/** The timer_started event a step writes with `timer`. */
export function timerEvent(timer: NewTimer): HistoryEventBody {
  return timer.until === undefined
    ? { kind: "timer_started", identity: timer.identity, delayMs: timer.delayMs ?? 0 }
    : { kind: "timer_started", identity: timer.identity, until: timer.until };
}

/** What a step writes; tasks and timers get their command events unless `events` is given. */
export interface StepSpec {
  readonly events?: readonly HistoryEventBody[];
  readonly delivered?: readonly number[];
  readonly tasks?: readonly NewTask[];
  readonly timers?: readonly NewTimer[];
  readonly cancelTimers?: readonly string[];
  readonly status?: RunStatus;
  readonly result?: Encoded;
  readonly error?: SerializedError;
  readonly continuedTo?: string;
  readonly leaseMs?: number;
  readonly lastSeq?: number;
}

/** Builds the StepCommit for `claim`, delivering its whole inbox unless told otherwise. */
export function stepCommit(claim: RunClaim, spec: StepSpec = {}): StepCommit {
  const tasks = spec.tasks ?? [];
  const timers = spec.timers ?? [];
  const delivered = claim.inbox.map((item) => item.event);
  const events = spec.events ?? [...delivered, ...tasks.map(scheduledEvent), ...timers.map(timerEvent)];
  const run: { -readonly [K in keyof StepCommit["run"]]: StepCommit["run"][K] } = {
    status: spec.status ?? "running",
  };
  if (spec.result !== undefined) run.result = spec.result;
  if (spec.error !== undefined) run.error = spec.error;
  if (spec.continuedTo !== undefined) run.continuedTo = spec.continuedTo;
  return {
    lease: claim.lease,
    lastSeq: spec.lastSeq ?? claim.run.lastSeq,
    delivered: spec.delivered ?? claim.inbox.map((item) => item.id),
    events,
    tasks,
    timers,
    cancelTimers: spec.cancelTimers ?? [],
    run,
    ...(spec.leaseMs === undefined ? {} : { leaseMs: spec.leaseMs }),
    // The row version as of the claim: an SQL journal may then commit in one statement.
    ...(claim.runVersion === undefined ? {} : { runVersion: claim.runVersion }),
  };
}

/** Claims runs for `owner` and returns the claim of `runId` (fails the test when absent). */
export async function claimRun(
  journal: Journal,
  runId: string,
  owner = "engine-a",
  leaseMs = 60_000,
): Promise<RunClaim> {
  const claims = await journal.claimRuns({ owner, limit: 100, leaseMs });
  const claim = claims.find((c) => c.run.runId === runId);
  expect(claim, `expected ${owner} to claim run ${runId}`).toBeDefined();
  return claim!;
}

/** Claims and commits a first step for a new run, returning the next claim-able state. */
export async function stepOnce(journal: Journal, runId: string, spec: StepSpec = {}, owner = "engine-a") {
  const claim = await claimRun(journal, runId, owner);
  const result = await journal.commitStep(stepCommit(claim, spec));
  return { claim, result };
}

/** Starts a run and commits a first step that schedules `tasks`; returns the run id. */
export async function runWithTasks(
  journal: Journal,
  tasks: readonly NewTask[],
  overrides: Partial<StartRunRequest> = {},
): Promise<string> {
  const run = await start(journal, overrides);
  await stepOnce(journal, run.runId, { tasks });
  return run.runId;
}

/** Claims tasks and returns the one for `identity` of `runId`. */
export async function claimTask(journal: Journal, runId: string, identity: string): Promise<TaskClaim> {
  const claims = await journal.claimTasks({ owner: "worker-1", limit: 100 });
  const claim = claims.find((c) => c.runId === runId && c.identity === identity);
  expect(claim, `expected task ${identity} of run ${runId} to be claimable`).toBeDefined();
  return claim!;
}

/** The inbox of a run as its lease holder sees it (claims with `owner`). */
export async function inboxOf(journal: Journal, runId: string, owner = "engine-a") {
  const claims = await journal.claimRuns({ owner, limit: 100, leaseMs: 60_000 });
  return claims.find((c) => c.run.runId === runId)?.inbox ?? [];
}

/** Asserts that `promise` rejects with a Continuum error of `code` (and the class, when given). */
export async function expectRejects(
  promise: Promise<unknown>,
  code: ErrorCode,
  errorClass?: abstract new (...args: never[]) => Error,
): Promise<ContinuumError<unknown>> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a rejection with ${code}`).toBeInstanceOf(Error);
  expect((caught as { code?: unknown }).code).toBe(code);
  if (errorClass) expect(caught).toBeInstanceOf(errorClass);
  return caught as ContinuumError<unknown>;
}

/**
 * Waits until `check` passes (for asynchronous hints). There is no deadline: a busy machine may
 * take long, and the test runner's timeout reports a hint that never comes.
 */
export async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Starts a run and commits a first step whose tasks are created claimed by engine-a (with
 * `inProcess`: as in-process attempts, without task rows, as far as the journal allows). The
 * returned claim carries the version that commit returned, as an engine's cached run does.
 */
export async function runWithClaimedTasks(
  journal: Journal,
  identities: readonly string[],
  opts = options(),
  inProcess = false,
): Promise<{ claim: RunClaim; claimed: readonly TaskClaim[]; lastSeq: number }> {
  const run = await start(journal);
  const claim = await claimRun(journal, run.runId);
  const tasks = identities.map((identity) => ({
    ...task(identity, "act", [identity], opts),
    claim: true as const,
    ...(inProcess ? { inProcess: true as const } : {}),
  }));
  const result = await journal.commitStep(
    stepCommit(claim, inProcess ? { tasks, leaseMs: 60_000 } : { tasks }),
  );
  const { runVersion: _claimed, ...rest } = claim;
  const next: RunClaim = result.runVersion === undefined ? rest : { ...rest, runVersion: result.runVersion };
  return { claim: next, claimed: result.claimedTasks ?? [], lastSeq: result.lastSeq };
}
