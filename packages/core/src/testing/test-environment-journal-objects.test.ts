import { describe, expect, it } from "vitest";
import { activity, days, defineActivity, workflow } from "../workflow/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { TestClockUnavailableError } from "../errors/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, serverUrl } from "../journal/sql/test-support/sql-test-databases.ts";
import { createMemoryJournal, createTestEnvironment, openTestJournal, testJournals } from "./index.ts";
import { kitActivities, sagaV1 } from "./test-support/kit-fixture.ts";

const greet = defineActivity("kit.objects.greet", async (who: string) => `hello ${who}`);
/** No timer: it needs no time to pass. */
const greeting = workflow.stamped({
  format: 1,
  versionHash: "kit-objects-greeting-v1",
  cursors: ["activity:kit.objects.greet#0"],
  file: "test/kit-objects.workflow.ts",
  line: 1,
})("kit.objects.greeting", { version: 1 }, async (who: string) =>
  activity.at("activity:kit.objects.greet#0")(greet, who),
);

describe.each(testJournals(serverUrl))("a journal from openTestJournal($kind)", ({ journal, kind }) => {
  it(
    "skips time as its kind does, and outlives the environments that ran on it",
    { timeout: 300_000 },
    async () => {
      const testJournal = await openTestJournal(journal);
      try {
        expect(testJournal.kind).toBe(kind);
        const first = await createTestEnvironment({
          journal: testJournal,
          workflows: [sagaV1],
          activities: kitActivities,
        });
        expect(first.journalKind).toBe(kind);
        const run = await first.client.start(sagaV1, "o");
        const started = first.now();
        expect(await run.result()).toEqual({ reservation: "res-o", charge: "ch-o", tracking: "trk-o" });
        expect(first.now() - started).toBeGreaterThanOrEqual(days(30));
        await first.close();

        // Still open: a second environment sees the first one's run.
        const second = await createTestEnvironment({ journal: testJournal, workflows: [sagaV1] });
        expect((await second.client.describe(run.runId)).status).toBe("completed");
        await second.close();
      } finally {
        await testJournal.dispose();
      }
    },
  );
});

describe("any Journal object", () => {
  it("runs what needs no time; whatever would move its clock is refused with CTM_TEST_CLOCK_UNAVAILABLE", async () => {
    const journal = createMemoryJournal();
    const env = await createTestEnvironment({
      journal,
      workflows: [greeting, sagaV1],
      activities: [greet, ...kitActivities],
    });
    try {
      expect(env.journalKind).toBe("external");
      const greeted = await env.client.start(greeting, "ada");
      await env.waitFor(greeted, "completed", { skipTime: false });
      expect(await greeted.result()).toBe("hello ada");

      const saga = await env.client.start(sagaV1, "x");
      const refused = await saga.result().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TestClockUnavailableError);
      expect(refused).toMatchObject({ code: ErrorCode.TestClockUnavailable });
      expect((refused as Error).message).toMatch(
        /^skipping time to the next timer.*journal object whose clock it does not control/,
      );
      expect((refused as TestClockUnavailableError).hint).toMatch(/openTestJournal/);
      await expect(env.advanceTime(1_000)).rejects.toThrow(/^advanceTime needs to move the journal's clock/);
      await expect(env.restart()).rejects.toThrow(/^a crash restart/);

      // A restart that keeps the owner id needs no time: the runs are taken back at once.
      await env.restart({ sameOwner: true });
      expect((await env.waitFor(saga, (r) => r.status === "running", { skipTime: false })).status).toBe(
        "running",
      );
      expect(() => env.crashWhen(() => true, { leaseLoss: true, sameOwner: true })).toThrow(/lease loss/);
    } finally {
      await env.close();
    }
    // The caller's journal is left open.
    expect(
      (await journal.getRun((await journal.listRuns({ limit: 10 })).runs[0]!.runId))?.workflowName,
    ).toBeDefined();
    await journal.close();
  });

  it("never moves a production PostgreSQL journal's clock: an app opens it afterwards as before", async () => {
    const database = await createServerDatabase("kitplain");
    try {
      const journal = await openJournal({ url: database.url, migrate: true });
      const env = await createTestEnvironment({ journal, workflows: [sagaV1], activities: kitActivities });
      const saga = await env.client.start(sagaV1, "p");
      await expect(env.advanceTime(days(1))).rejects.toMatchObject({ code: ErrorCode.TestClockUnavailable });
      await env.settle();
      await env.close();
      expect((await journal.getRun(saga.runId))?.status).toBe("running");
      await journal.close();
      // No test-clock offset was written: openJournal without allowTestClock accepts it.
      const app = await openJournal({ url: database.url });
      await app.close();
    } finally {
      await database.drop();
    }
  });

  it("startTime is for journals the environment opens", async () => {
    const journal = createMemoryJournal();
    await expect(
      createTestEnvironment({ journal, workflows: [greeting], startTime: Date.now() + days(1) }),
    ).rejects.toThrow(/startTime applies to a journal the environment opens/);
    await journal.close();
  });
});
