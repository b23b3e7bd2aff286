import { afterEach, describe, expect, it } from "vitest";
import { days, hours } from "../workflow/index.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import { serverUrl } from "../journal/sql/test-support/sql-test-databases.ts";
import { createTestEnvironment, mockActivity, testJournals, type TestEnvironment } from "./index.ts";
import {
  approval,
  approvalParent,
  charge,
  kitActivities,
  reserve,
  sagaV1,
  sagaV2,
  sagaV3,
  ship,
} from "./test-support/kit-fixture.ts";

// Every journal the project supports: memory, embedded PGlite, and the real PostgreSQL server.
const journals = testJournals(serverUrl);

describe.each(journals)("test environment on $kind", ({ journal }) => {
  let env: TestEnvironment | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("runs a saga with mocked activities through a 30-day timer, counting effects", async () => {
    env = await createTestEnvironment({
      journal,
      workflows: [sagaV1],
      activities: kitActivities,
      activityMocks: [mockActivity(charge, async (id) => `mock-charge-${id}`)],
      paranoid: true,
    });
    const started = env.now();
    const run = await env.client.start(sagaV1, "a");
    await env.settle();
    // The clock did not move: the run sleeps.
    expect((await env.client.describe(run.runId)).status).toBe("running");
    expect(await run.result()).toEqual({ reservation: "res-a", charge: "mock-charge-a", tracking: "trk-a" });
    expect(env.now() - started).toBeGreaterThanOrEqual(days(30));
    expect(env.effects(run.runId)).toEqual({ "kit.reserve": 1, "kit.charge": 1, "kit.ship": 1 });
  });

  it("waitFor without skipping time reports the pending timer; advanceTime then gets there", async () => {
    env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
    const run = await env.client.start(sagaV1, "b");
    const error = await env.waitFor(run.runId, "completed", { skipTime: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestKitError);
    expect((error as Error).message).toContain(run.runId);
    expect((error as Error).message).toContain("skipTime is off");
    await env.advanceTime(days(29));
    expect((await env.client.describe(run.runId)).status).toBe("running");
    await env.advanceTime(days(1) + hours(1));
    const done = await env.waitFor(run.runId, (d) => d.result !== undefined, { skipTime: false });
    expect(done.status).toBe("completed");
  });

  it("resumes a saga after a crash right after its third step (timer started), repeating no effect", async () => {
    env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
    env.crashWhen((point) => point.kind === "after_step" && point.step === 3);
    const run = await env.client.start(sagaV1, "c");
    expect(await run.result()).toEqual({ reservation: "res-c", charge: "ch-c", tracking: "trk-c" });
    expect(env.restarts).toBe(1);
    expect(env.effects(run.runId)).toEqual({ "kit.reserve": 1, "kit.charge": 1, "kit.ship": 1 });
  });

  it("a crash-restart with the same owner id takes the runs back at once, without moving the clock", async () => {
    env = await createTestEnvironment({ journal: journal, workflows: [approval] });
    const run = await env.client.start(approval, "same");
    await env.settle();
    const before = await env.journal.now();
    await env.restart({ sameOwner: true });
    await env.sendSignal(run, "approve", "back");
    await env.waitFor(run, "completed", { skipTime: false });
    expect(await run.result()).toBe("same:back");
    // No lease TTL (30 s by default) was skipped: a crash-restart without sameOwner moves the
    // clock past it. (SQL clocks also run in real time, so the bound is the TTL, not zero.)
    expect((await env.journal.now()) - before).toBeLessThan(30_000);
  });

  it("a crash after an activity ran but before its result was recorded runs it again", async () => {
    env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
    env.crashWhen((point) => point.kind === "after_activity" && point.activityName === "kit.charge");
    const run = await env.client.start(sagaV1, "d");
    expect(await run.result()).toEqual({ reservation: "res-d", charge: "ch-d", tracking: "trk-d" });
    expect(env.effects(run.runId)).toEqual({ "kit.reserve": 1, "kit.charge": 2, "kit.ship": 1 });
  });

  it("deploys v2 under an in-flight v1 run: the old run keeps v1, new runs take v2", async () => {
    env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
    const old = await env.client.start(sagaV1, "old");
    await env.advanceTime(days(1)); // in its 30-day sleep
    await env.restart({ workflows: [sagaV1, sagaV2] });
    const fresh = await env.client.start(sagaV2, "new");
    expect(await old.result()).toEqual({ reservation: "res-old", charge: "ch-old", tracking: "trk-old" });
    expect(await fresh.result()).toMatchObject({ notified: "mail-new" });
  });

  it("a crash-deploy of a patched version takes in-flight runs over: they skip the patch, new runs take it", async () => {
    env = await createTestEnvironment({
      journal,
      workflows: [sagaV1],
      activities: kitActivities,
      paranoid: true,
    });
    const old = await env.client.start(sagaV1, "old");
    await env.advanceTime(days(1)); // past the patch point, sleeping
    await env.restart({ workflows: [sagaV3] });
    const fresh = await env.client.start(sagaV3, "new");
    expect(await old.result()).toEqual({ reservation: "res-old", charge: "ch-old", tracking: "trk-old" });
    expect(await fresh.result()).toMatchObject({ notified: "mail-new", tracking: "trk-new" });
    expect(env.effects(old.runId)["kit.notify"]).toBeUndefined();
  });

  it("a deploy without the run's version leaves it stuck; deploying the version back resumes it", async () => {
    env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
    const old = await env.client.start(sagaV1, "e");
    await env.settle();
    await env.restart({ workflows: [sagaV2], graceful: true });
    await env.advanceTime(days(31));
    expect((await env.client.describe(old.runId)).status).toBe("stuck_unknown_version");
    const error = await old.result().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no engine has version kit-saga-v1/);
    await env.restart({ workflows: [sagaV1, sagaV2] });
    expect(await old.result()).toMatchObject({ tracking: "trk-e" });
  });

  it("names the signal a run waits for when nobody sends it, and the unregistered workflow", async () => {
    env = await createTestEnvironment({ journal, workflows: [approval], activities: kitActivities });
    const run = await env.client.start(approval, "x");
    await expect(run.result()).rejects.toThrow(/waits for signal "approve"/);
    await env.sendSignal(run.runId, "approve", "yes");
    expect(await run.result()).toBe("x:yes");

    const orphan = await env.client.start(sagaV1, "nobody");
    await expect(env.waitFor(orphan.runId, "completed")).rejects.toThrow(
      new RegExp(`${orphan.runId}.*no engine registers workflow "kit.saga"`),
    );
  });

  it("names what a child waits for when its parent can never finish", async () => {
    env = await createTestEnvironment({ journal, workflows: [approvalParent, approval] });
    const run = await env.client.start(approvalParent, "p");
    await expect(run.result()).rejects.toThrow(
      new RegExp(
        `${run.runId}.*waits for its child run .* \\(kit.approval\\), and it waits for signal "approve"`,
      ),
    );
    await env.restart({ workflows: [approvalParent], graceful: true });
    await expect(run.result()).rejects.toThrow(
      /waits for its child run .* \(kit.approval\), whose workflow no engine registers/,
    );
  });

  it("a graceful restart drains in-flight work and the run goes on", async () => {
    env = await createTestEnvironment({
      journal,
      workflows: [sagaV1],
      activities: kitActivities,
      activityMocks: [
        mockActivity(reserve, async (id) => `slow-${id}`),
        mockActivity(ship, (id) => `s-${id}`),
      ],
    });
    const run = await env.client.start(sagaV1, "g");
    await env.settle();
    await env.restart({ graceful: true });
    expect(await run.result()).toEqual({ reservation: "slow-g", charge: "ch-g", tracking: "s-g" });
    expect(env.restarts).toBe(1);
  });

  it("explores every crash point of the saga: results and histories match, repeated activities are named", async () => {
    env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
    const report = await env.explore(sagaV1, "x");
    expect(report).toMatchObject({ steps: 5, activityAttempts: 3 });
    expect(report.cleanResult).toEqual({ reservation: "res-x", charge: "ch-x", tracking: "trk-x" });
    expect(report.explored).toHaveLength(8);
    // The crash points where an activity had run (or started) without its result recorded.
    expect(report.unsafe.map((p) => [p.description, Object.keys(p.effects)])).toEqual([
      ["crash after step 1", ["kit.reserve"]],
      ["crash after step 2", ["kit.charge"]],
      ["crash after step 4", ["kit.ship"]],
      ["crash after activity attempt 1 ran, before its result was recorded", ["kit.reserve"]],
      ["crash after activity attempt 2 ran, before its result was recorded", ["kit.charge"]],
      ["crash after activity attempt 3 ran, before its result was recorded", ["kit.ship"]],
    ]);
    for (const point of report.unsafe)
      expect(point.differences, point.differences.join("; ")).toHaveLength(1); // effects only
  });
});
