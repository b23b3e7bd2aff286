import { afterEach, describe, expect, it } from "vitest";
import { days } from "../workflow/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { TestClockInUseError } from "../errors/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { serverUrl } from "../journal/sql/test-support/sql-test-databases.ts";
import { createTestEnvironment, type TestEnvironment } from "./index.ts";
import { kitActivities, sagaV1 } from "./test-support/kit-fixture.ts";

describe("the SQL test clock never reaches production by accident", () => {
  let env: TestEnvironment | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("moves only a database the test kit created, which openJournal refuses unless told it is a test", async () => {
    env = await createTestEnvironment({ journal: serverUrl, workflows: [sagaV1], activities: kitActivities });
    const url = env.databaseUrl!;
    expect(new URL(url).pathname).toMatch(/^\/ctm_test_/);
    expect(url).not.toBe(serverUrl);
    // Before the clock moves, an app may open it like any database.
    await (await openJournal({ url })).close();

    const run = await env.client.start(sagaV1, "p");
    await env.advanceTime(days(2));
    const refused = await openJournal({ url }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TestClockInUseError);
    expect(refused).toMatchObject({ code: ErrorCode.TestClockInUse });
    expect((refused as Error).message).toMatch(/moved \d+ ms ahead/);

    // A second process of a test opts in explicitly and sees the moved clock.
    const second = await openJournal({ url, allowTestClock: true });
    try {
      expect(await second.now()).toBeGreaterThanOrEqual(Date.now() + days(2) - 60_000);
      expect((await second.getRun(run.runId))?.status).toBe("running");
    } finally {
      await second.close();
    }
  });

  it("drops its database at close", async () => {
    env = await createTestEnvironment({ journal: serverUrl, workflows: [sagaV1], activities: kitActivities });
    const url = env.databaseUrl!;
    await env.close();
    env = undefined;
    await expect(openJournal({ url })).rejects.toThrow(/does not exist/);
  });
});

describe("the journal option", () => {
  it("refuses anything but memory, pglite or a postgres URL, without showing a password", async () => {
    const error = await createTestEnvironment({
      journal: "mysql://app:secret@db/app",
      workflows: [sagaV1],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.TestKit });
    expect((error as Error).message).toMatch(/must be "memory", "pglite" or a postgres:\/\/ URL/);
    expect((error as Error).message).not.toContain("secret");
  });
});

describe("startTime on a SQL journal", () => {
  it("moves the test clock forward to it, and refuses a time in the past", async () => {
    const future = Date.now() + days(400);
    const env = await createTestEnvironment({ journal: serverUrl, workflows: [sagaV1], startTime: future });
    try {
      expect(await env.journal.now()).toBeGreaterThanOrEqual(future);
    } finally {
      await env.close();
    }
    await expect(
      createTestEnvironment({ journal: serverUrl, workflows: [sagaV1], startTime: Date.now() - days(1) }),
    ).rejects.toThrow(/only moves forward/);
  });
});
