import { describe, expect, it } from "vitest";
import { activity, days, sleep, workflow } from "../workflow/index.ts";
import { serverUrl } from "../journal/sql/test-support/sql-test-databases.ts";
import { LeaseLostError } from "../errors/journal-errors.ts";
import type { Journal } from "../journal/journal.ts";
import {
  createTestEnvironment,
  exploreCrashPoints,
  mockActivity,
  openTestJournal,
  testJournals,
} from "./index.ts";
import {
  approval,
  charge,
  kitActivities,
  notify,
  reserve,
  sagaV1,
  sagaV3,
  ship,
} from "./test-support/kit-fixture.ts";

const stamp = (versionHash: string, cursors: readonly string[]) =>
  ({ format: 1, versionHash, cursors, file: "test/kit-saga.workflow.ts", line: 1 }) as const;

/** v1 changed in place WITHOUT patched(): a notification before the sleep, replacing v1's hash. */
const sagaUnpatched = workflow.stamped(
  stamp("kit-saga-unpatched", [
    "activity:kit.reserve#0",
    "activity:kit.charge#0",
    "activity:kit.notify#0",
    "sleep:#0",
    "activity:kit.ship#0",
  ]),
)("kit.saga", { version: 4, replaces: ["kit-saga-v1"] }, async (id: string) => {
  const reservation = await activity.at("activity:kit.reserve#0")(reserve, id);
  const charged = await activity.at("activity:kit.charge#0")(charge, id);
  const notified = await activity.at("activity:kit.notify#0")(notify, id);
  await sleep.at("sleep:#0")(days(30));
  const tracking = await activity.at("activity:kit.ship#0")(ship, id);
  return { reservation, charge: charged, tracking, notified };
});

/** Only the effect-repeat differences of a report (at-least-once delivery), none of the others. */
const nonEffectDifferences = (report: {
  unsafe: readonly { description: string; differences: readonly string[] }[];
}) =>
  report.unsafe.flatMap((p) =>
    p.differences.filter((d) => !d.includes("idempotency key")).map((d) => `${p.description}: ${d}`),
  );

// Each exploration is a few runs per point; on a busy machine PGlite (WebAssembly) runs them
// several times slower than memory: the runner's limit is the only bound, and it is generous.
const exploring = { timeout: 300_000 };

describe.each(testJournals(serverUrl))("exploring lost leases and redeploys on $kind", ({ journal }) => {
  it(
    "a lost lease at every point: the paused engine is fenced, the result and history are the clean run's",
    exploring,
    async () => {
      const env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
      let fenced = 0;
      env.events.on("lease.lost", () => fenced++);
      try {
        const report = await env.explore(sagaV1, "l", {
          leaseLoss: true,
          crashes: false,
          duplicateActivities: false,
        });
        // 5 steps, each explored with a lost lease (and no plain crash).
        expect(report.explored.map((p) => p.fault)).toEqual(Array(5).fill("lease_loss"));
        expect(nonEffectDifferences(report)).toEqual([]);
        // The paused engine came back and its commits were refused by the journal's fencing.
        expect(fenced).toBeGreaterThan(0);
      } finally {
        await env.close();
      }
    },
  );

  it(
    "a lost lease shows which activity is not idempotent: it ran again while its first run's result was held",
    exploring,
    async () => {
      let charges = 0;
      const env = await createTestEnvironment({
        journal,
        workflows: [sagaV1],
        activities: kitActivities,
        activityMocks: [mockActivity(charge, (id) => `ch-${id}-${++charges}`)],
      });
      let stale = 0;
      env.events.on("activity.stale", () => stale++);
      try {
        // The engine pauses with the charge done and its result not recorded; its lease and then
        // the attempt's deadline pass, and the engine that took over charges again.
        env.crashWhen((p) => p.kind === "after_activity" && p.activityName === "kit.charge", {
          leaseLoss: true,
        });
        const run = await env.client.start(sagaV1, "n");
        expect(await run.result()).toMatchObject({ charge: "ch-n-2" });
        expect(env.effects(run.runId)).toEqual({ "kit.reserve": 1, "kit.charge": 2, "kit.ship": 1 });
        // The paused engine's result of the first charge was refused when it woke up.
        expect(stale).toBe(1);
        expect(env.restarts).toBe(1);
      } finally {
        await env.close();
      }
    },
  );

  it("a signal-driven workflow is safe under a lost lease at every point", exploring, async () => {
    const report = await exploreCrashPoints(approval, "ok", {
      journal,
      leaseLoss: true,
      script: async (env, run) => {
        await env.settle();
        await env.sendSignal(run.runId, "approve", "yes");
        return run.result();
      },
    });
    expect(report.explored.filter((p) => p.fault === "lease_loss")).toHaveLength(2);
    expect(report.unsafe).toEqual([]);
  });

  it(
    "a redeploy of a patched version at every point: each run ends as on the old code or as on the new",
    exploring,
    async () => {
      const report = await exploreCrashPoints(sagaV1, "r", {
        journal,
        activities: kitActivities,
        redeploy: { workflows: [sagaV3] },
        crashes: false,
        duplicateActivities: false,
      });
      const redeploys = report.explored.filter((p) => p.fault === "redeploy");
      expect(redeploys).toHaveLength(5);
      expect(nonEffectDifferences(report)).toEqual([]);
      // Runs moved to v3 before its patch point take the notification; later ones keep v1's path.
      expect(redeploys.map((p) => p.comparedWith)).toEqual([
        "clean_on_new_code",
        "clean_on_new_code",
        "clean",
        "clean",
        "clean",
      ]);
    },
  );

  it("a redeploy finds an unpatched change, naming the points where replay drifts", exploring, async () => {
    const report = await exploreCrashPoints(sagaV1, "u", {
      journal,
      activities: kitActivities,
      redeploy: { workflows: [sagaUnpatched] },
      crashes: false,
      duplicateActivities: false,
    });
    const failed = report.unsafe.filter((p) => p.differences.some((d) => d.startsWith("the run failed")));
    // Runs that had passed the changed point (the sleep started at step 3) cannot replay on it.
    expect(failed.map((p) => p.description)).toEqual([
      "redeploy after step 3 (crash, then the new code)",
      "redeploy after step 4 (crash, then the new code)",
    ]);
    expect(failed[0]!.differences.join("\n")).toMatch(/CTM_REPLAY_DRIFT|drift|kit\.notify/i);
  });

  it(
    "a redeploy of a version that does not replace the old one leaves runs stuck_unknown_version, reported",
    exploring,
    async () => {
      const v3Alone = workflow.stamped(stamp("kit-saga-v3-alone", ["activity:kit.reserve#0"]))(
        "kit.saga",
        { version: 5 },
        async (id: string) => ({ reservation: await activity.at("activity:kit.reserve#0")(reserve, id) }),
      );
      const report = await exploreCrashPoints(sagaV1, "v", {
        journal,
        activities: kitActivities,
        redeploy: { workflows: [v3Alone] },
        crashes: false,
        duplicateActivities: false,
      });
      // Every run still in flight at the redeploy is stuck; the one that had completed (step 5) is not.
      expect(report.unsafe.map((p) => p.description)).toEqual(
        [1, 2, 3, 4].map((step) => `redeploy after step ${step} (crash, then the new code)`),
      );
      for (const point of report.unsafe)
        expect(point.differences.join("\n")).toMatch(
          /can never reach the end of the run: it is stuck_unknown_version and no engine has version kit-saga-v1/,
        );
    },
  );
});

describe("exploring lost leases on memory", () => {
  it("reports the non-idempotent activity at the lease-loss point that repeats it", async () => {
    const report = await exploreCrashPoints(sagaV1, "m", { activities: kitActivities, leaseLoss: true });
    const lost = report.explored.filter((p) => p.fault === "lease_loss");
    // 5 steps and 3 activity attempts, each also explored as a lost lease.
    expect(lost).toHaveLength(8);
    const atCharge = lost.find((p) => p.point.kind === "after_activity" && p.point.attempt === 2)!;
    expect(atCharge.description).toBe(
      "lease lost after activity attempt 2 ran, before its result was recorded (the engine paused there, another took the run over, then it resumed)",
    );
    expect(atCharge.differences).toEqual([
      "kit.charge ran 2 time(s), 1 in the clean run (give it an idempotency key, or make it idempotent)",
    ]);
    expect(nonEffectDifferences(report)).toEqual([]);
  });
});

describe("lease loss with a journal whose fencing is broken", () => {
  it("reports the write of the engine that lost its lease, naming the point", async () => {
    const testJournal = await openTestJournal("memory");
    // A journal that lets any holder commit: a commit refused for a stale lease is retried with
    // the lease of the run's latest claim, after its last event.
    const latest = new Map<string, { runId: string; owner: string; fencingToken: number }>();
    const inner = testJournal.journal;
    const unfenced = new Proxy(inner, {
      get(target, property, receiver) {
        if (property === "claimRuns")
          return async (...args: Parameters<Journal["claimRuns"]>) => {
            const claims = await target.claimRuns(...args);
            for (const claim of claims) latest.set(claim.lease.runId, claim.lease);
            return claims;
          };
        if (property === "commitStep")
          return async (commit: Parameters<Journal["commitStep"]>[0]) => {
            try {
              return await target.commitStep(commit);
            } catch (error) {
              const lease = latest.get(commit.lease.runId);
              if (!(error instanceof LeaseLostError) || lease === undefined) throw error;
              const run = (await target.getRun(commit.lease.runId))!;
              // Nor are attempts checked: the step's own attempt results are taken as they are.
              const { finishTasks: _unchecked, ...unfencedCommit } = commit;
              return target.commitStep({ ...unfencedCommit, lease, lastSeq: run.lastSeq });
            }
          };
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      const report = await exploreCrashPoints(sagaV1, "b", {
        journal: { ...testJournal, journal: unfenced },
        activities: kitActivities,
        leaseLoss: true,
        duplicateActivities: false,
      });
      const zombieWrites = report.unsafe.filter((p) =>
        p.differences.some((d) => d.includes("after losing its lease")),
      );
      if (process.env.KIT_SHOW)
        console.log(zombieWrites.map((p) => `${p.description}\n  ${p.differences.join("\n  ")}`).join("\n"));
      expect(zombieWrites.length).toBeGreaterThan(0);
      expect(zombieWrites.every((p) => p.fault === "lease_loss")).toBe(true);
      // Each is reported at its own point (a problem found late is not left to the next run).
      for (const point of zombieWrites) {
        const where =
          point.point.kind === "after_step" ? `paused at step ${point.point.step} of` : "paused at kit.";
        expect(point.differences.find((d) => d.includes("after losing its lease"))).toContain(where);
      }
      expect(
        report.unsafe.some((p) =>
          p.differences.includes("the crash point was never reached (the run took another path)"),
        ),
      ).toBe(false);
      expect(zombieWrites[0]!.differences.join("\n")).toMatch(
        /after losing its lease \(paused at step \d of run .*\), engine test-environment-\d+ resumed and changed run/,
      );
    } finally {
      await testJournal.dispose();
    }
  });
});
