import type { WorkflowDefinition } from "../workflow/index.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import type { RunHandle } from "../client/create-client.ts";
import { compare, describePoint, normalize, sample, sameRun } from "./explore-compare.ts";
import {
  createTestEnvironment,
  type CrashPoint,
  type DeployedCode,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from "./create-test-environment.ts";

/** Options of {@link TestEnvironment.explore}. */
export interface ExploreOptions<Output> {
  /**
   * Drives one run to its end and returns its result; default `run.result()`. Runs once for the
   * clean run and once per crash point, so it must do the same each time (send the same signals).
   */
  readonly script?: (env: TestEnvironment, run: RunHandle<Output>) => Promise<Output>;
  /**
   * Also crash after each activity attempt returned and before its result was recorded: the
   * effect happened, the journal does not know it, and the activity runs again (a duplicate
   * delivery). Default true.
   */
  readonly duplicateActivities?: boolean;
  /**
   * Explore a plain crash at each point. Default true; false explores only the faults asked
   * for with `leaseLoss` and `redeploy`.
   */
  readonly crashes?: boolean;
  /** At most this many crash points are explored; more are sampled with `seed`. Default 100. */
  readonly maxPoints?: number;
  /** Seed of the sampling when there are more points than `maxPoints`. Default 1. */
  readonly seed?: number;
  /**
   * Restart after each crash with the crashed engine's owner id (see `RestartOptions.sameOwner`):
   * no lease TTL passes, so values read with `now()` after the crash point do not move. Lease-loss
   * points ignore it: there, another owner takes over after the TTL by definition.
   */
  readonly sameOwner?: boolean;
  /**
   * Also explore a lost lease at each point: the engine is paused there, its lease expires (the
   * clock moves past the lease TTL), a new engine takes the run over, and the paused engine
   * resumes after the new one's first round (see `CrashOptions.leaseLoss`). Reported when the
   * paused engine writes anything after it resumed (its writes must be fenced), or when the
   * result, history or activity calls differ from the clean run. Default false.
   */
  readonly leaseLoss?: boolean;
  /**
   * Also explore a redeploy at each point: the engine crashes there and the new engine runs
   * this code (e.g. a `patched()` v2 whose definition `replaces` the explored version). Each
   * such run must end as the clean run on the old code or the clean run of the new code's
   * definition of the workflow ends (same result, history and activity calls as one of them);
   * a replay that drifts (an unpatched change), a run no deployed version can take
   * (`stuck_unknown_version`) or a failure is reported, naming the point.
   */
  readonly redeploy?: Partial<DeployedCode> & Pick<DeployedCode, "workflows">;
}

/** What is injected at a point: a crash, a lost lease, or a crash followed by new code. */
export type ExploredFault = "crash" | "lease_loss" | "redeploy";

/** What happened when the engine crashed at one point. */
export interface CrashPointReport {
  readonly point: CrashPointSpec;
  readonly fault: ExploredFault;
  /**
   * The clean run this one was compared with: the explored code's, or (a redeploy that took
   * the new code's path, e.g. a run that had not reached a `patched()` point yet) the new code's.
   */
  readonly comparedWith: "clean" | "clean_on_new_code";
  /** Human-readable: where the crash was. */
  readonly description: string;
  /** Each difference from the clean run, in words (empty: the crash was invisible). */
  readonly differences: readonly string[];
  /** Calls per activity, where they differ from the clean run's. */
  readonly effects: Readonly<Record<string, { readonly clean: number; readonly crashed: number }>>;
}

/** A crash point without the run id (the same point in every run of the workflow). */
export type CrashPointSpec =
  | { readonly kind: "after_step"; readonly step: number }
  | { readonly kind: "after_activity"; readonly attempt: number };

/** The outcome of {@link exploreCrashPoints}. */
export interface ExploreReport<Output> {
  readonly cleanResult: Output;
  /** Steps and activity attempts of the clean run. */
  readonly steps: number;
  readonly activityAttempts: number;
  /** Every crash point explored, in order. */
  readonly explored: readonly CrashPointReport[];
  /** The explored points after which the result, the history or the effects differed. */
  readonly unsafe: readonly CrashPointReport[];
}

/**
 * Crash-point exploration: runs `workflow` once on a fresh test environment to learn its step
 * boundaries and activity attempts, then once more per boundary with the engine crashed right
 * there (and, with `duplicateActivities`, after each activity ran but before its result was
 * recorded), and compares each run's result, history and activity calls with the clean run.
 * With `leaseLoss` each point is also explored as a lost lease (the engine paused there and
 * resumed after another took over), with `redeploy` as a crash followed by new code.
 * Deterministic: the same workflow and options explore the same points.
 *
 * @example
 * ```ts
 * const report = await exploreCrashPoints(checkout, { cartId: "c-1" }, { activities, activityMocks });
 * expect(report.unsafe.map((p) => p.description)).toEqual([]);   // or: which activity repeats
 * // v2 behind patched() under runs of v1 at every point, and a paused engine at every point:
 * await exploreCrashPoints(checkoutV1, input, { activities, redeploy: { workflows: [checkoutV2] }, leaseLoss: true });
 * ```
 */
export async function exploreCrashPoints<Input, Output>(
  workflow: WorkflowDefinition<Input, Output>,
  input: Input,
  options: ExploreOptions<Output> &
    Omit<TestEnvironmentOptions, "workflows"> & {
      /** Workflows registered besides the explored one (children, other versions). */
      readonly workflows?: TestEnvironmentOptions["workflows"];
    } = {},
): Promise<ExploreReport<Output>> {
  const {
    script,
    crashes,
    duplicateActivities,
    maxPoints,
    seed,
    sameOwner,
    leaseLoss,
    redeploy,
    workflows,
    ...environmentOptions
  } = options;
  const create = (): Promise<TestEnvironment> =>
    createTestEnvironment({
      ...environmentOptions,
      workflows: [workflow, ...(workflows ?? []).filter((w) => w !== workflow)],
    });
  const exploreOptions: ExploreOptions<Output> = {
    ...(script === undefined ? {} : { script }),
    ...(duplicateActivities === undefined ? {} : { duplicateActivities }),
    ...(crashes === undefined ? {} : { crashes }),
    ...(maxPoints === undefined ? {} : { maxPoints }),
    ...(seed === undefined ? {} : { seed }),
    ...(sameOwner === undefined ? {} : { sameOwner }),
    ...(leaseLoss === undefined ? {} : { leaseLoss }),
    ...(redeploy === undefined ? {} : { redeploy }),
  };
  if ((environmentOptions.journal ?? "memory") === "memory") {
    // A fresh environment per run: every run starts at the same instant of the same clock, so
    // values read with now() compare equal unless the crash itself moved time.
    return exploreWith(
      async (use) => {
        const env = await create();
        try {
          return await use(env);
        } finally {
          await env.close();
        }
      },
      workflow,
      input,
      exploreOptions,
    );
  }
  const env = await create();
  try {
    return await exploreOn(env, workflow, input, exploreOptions);
  } finally {
    await env.close();
  }
}

/** Runs `use` on an environment for one explored run. */
type WithEnvironment = <T>(use: (env: TestEnvironment) => Promise<T>) => Promise<T>;

/**
 * {@link exploreCrashPoints} on an existing environment (`env.explore`): the runs it starts
 * are ordinary runs of `env`, one after another (so each starts later on its clock than the
 * one before); `workflow` must be registered there.
 */
export function exploreOn<Input, Output>(
  env: TestEnvironment,
  workflow: WorkflowDefinition<Input, Output>,
  input: Input,
  options: ExploreOptions<Output> = {},
): Promise<ExploreReport<Output>> {
  return exploreWith((use) => use(env), workflow, input, options);
}

async function exploreWith<Input, Output>(
  withEnvironment: WithEnvironment,
  workflow: WorkflowDefinition<Input, Output>,
  input: Input,
  options: ExploreOptions<Output>,
): Promise<ExploreReport<Output>> {
  const { script, duplicateActivities, maxPoints, seed, sameOwner, leaseLoss, redeploy, crashes } = options;
  const drive = script ?? ((_env: TestEnvironment, run: RunHandle<Output>) => run.result());

  /**
   * One run of the workflow (of `definition`, on `deploy` code when given), with `fault`
   * injected at `point` when given; what it did. The environment's code is the same afterwards.
   */
  const observe = (
    point: CrashPointSpec | undefined,
    fault: ExploredFault = "crash",
    definition: WorkflowDefinition<Input, Output> = workflow,
    deploy?: ExploreOptions<Output>["redeploy"],
  ) =>
    withEnvironment(async (env) => {
      const original = env.deployed;
      if (deploy !== undefined) await env.restart({ graceful: true, ...deploy });
      // Nothing steps the run before the script drives the environment: arming after the start is in time.
      const run = await env.client.start(definition, input);
      let struck = false;
      env.crashWhen(
        (at: CrashPoint) => {
          const hit =
            point !== undefined &&
            at.runId === run.runId &&
            (point.kind === "after_step"
              ? at.kind === "after_step" && at.step === point.step
              : at.kind === "after_activity" && at.attempt === point.attempt);
          struck ||= hit;
          return hit;
        },
        fault === "lease_loss"
          ? { leaseLoss: true }
          : { sameOwner: sameOwner === true, ...(fault === "redeploy" ? redeploy : {}) },
      );
      let result: Output | undefined;
      let error: unknown;
      try {
        result = await drive(env, run);
      } catch (caught) {
        error = caught;
      }
      env.crashWhen(() => false);
      // Problems the run left behind (a wait throws one at a time) are this run's, not the next's.
      const problems: string[] = [];
      for (let i = 0; i < 100; i++) {
        try {
          await env.settle();
          break;
        } catch (problem) {
          problems.push(problem instanceof Error ? problem.message : String(problem));
        }
      }
      const observed = {
        runId: run.runId,
        result,
        error,
        problems,
        struck,
        history: normalize(await env.client.history(run.runId)),
        effects: env.effects(run.runId),
        ...env.counts(run.runId),
      };
      // The next run starts on the explored code again.
      const now = env.deployed;
      if (
        (["workflows", "activities", "activityMocks"] as const).some((part) => now[part] !== original[part])
      )
        await env.restart({ graceful: true, ...original });
      return observed;
    });

  const clean = await observe(undefined);
  if (clean.error !== undefined)
    throw new TestKitError(
      `the clean run of ${workflow.name} failed, so there is nothing to compare crashes with`,
      { runId: clean.runId },
      "make the workflow (and the script) finish without crashes first",
      clean.error,
    );
  // The new code's own clean run: a run redeployed before it reached a patch takes the new path.
  let cleanOnNewCode: typeof clean | undefined;
  if (redeploy !== undefined) {
    const successor = redeploy.workflows.find((w) => w.name === workflow.name) as
      WorkflowDefinition<Input, Output> | undefined;
    if (successor !== undefined) cleanOnNewCode = await observe(undefined, "crash", successor, redeploy);
  }

  const locations: CrashPointSpec[] = [];
  for (let step = 1; step <= clean.steps; step++) locations.push({ kind: "after_step", step });
  if (duplicateActivities ?? true)
    for (let attempt = 1; attempt <= clean.attempts; attempt++)
      locations.push({ kind: "after_activity", attempt });
  const faults: ExploredFault[] = [
    ...(crashes === false ? [] : (["crash"] as const)),
    ...(leaseLoss === true ? (["lease_loss"] as const) : []),
    ...(redeploy === undefined ? [] : (["redeploy"] as const)),
  ];
  const points = faults.flatMap((fault) => locations.map((point) => ({ point, fault })));

  const explored: CrashPointReport[] = [];
  for (const { point, fault } of sample(points, maxPoints ?? 100, seed ?? 1)) {
    const crashed = await observe(point, fault);
    const against =
      fault === "redeploy" &&
      cleanOnNewCode !== undefined &&
      !sameRun(crashed, clean) &&
      sameRun(crashed, cleanOnNewCode)
        ? cleanOnNewCode
        : clean;
    const differences = compare(crashed, against);
    if (fault === "redeploy" && crashed.error === undefined && against === clean && !sameRun(crashed, clean))
      differences.push(
        cleanOnNewCode === undefined
          ? `the new code has no definition of ${workflow.name} to compare with`
          : "it differs from the new code's clean run too",
      );
    const effects: Record<string, { clean: number; crashed: number }> = {};
    for (const name of new Set([...Object.keys(against.effects), ...Object.keys(crashed.effects)])) {
      const counts = { clean: against.effects[name] ?? 0, crashed: crashed.effects[name] ?? 0 };
      if (counts.clean !== counts.crashed) effects[name] = counts;
    }
    explored.push({
      point,
      fault,
      comparedWith: against === clean ? "clean" : "clean_on_new_code",
      description: describePoint(point, fault),
      differences,
      effects,
    });
  }
  return {
    cleanResult: clean.result as Output,
    steps: clean.steps,
    activityAttempts: clean.attempts,
    explored,
    unsafe: explored.filter((report) => report.differences.length > 0),
  };
}
