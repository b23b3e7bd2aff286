import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../packages/core/src/client/create-client.ts";
import type { Journal } from "../../packages/core/src/journal/journal.ts";
import { MAX_INSTANT_MS } from "../../packages/core/src/journal/instant-limits.ts";
import { ManualClock, MemoryJournal } from "../../packages/core/src/journal/memory/index.ts";
import { openJournal } from "../../packages/core/src/journal/open-journal.ts";
import {
  createServerDatabase,
  type ServerDatabase,
} from "../../packages/core/src/journal/sql/test-support/sql-test-databases.ts";
import { testRuntime } from "../../packages/core/src/worker/test-support/drive-runtime.ts";
import { activity, defineActivity, sleep, workflow } from "../../packages/core/src/workflow/index.ts";

// Review finding 3 (last part): a sleep or timeout over ~9.2e15 ms overflowed PostgreSQL's
// interval, so the step's commit failed on SQL while the memory journal stored it. Both now
// clamp to the last instant a Date holds, and the step commits the same way on both.
const wait = defineActivity("huge.wait", async () => "waited", { timeoutMs: 1e16 });
const forever = workflow.stamped({
  format: 1,
  versionHash: "huge-1",
  cursors: ["activity:wait#0", "sleep:#0"],
  file: "tests/regressions/huge-durations.test.ts",
  line: 14,
})("huge.forever", { version: 1 }, async () => {
  const first = await activity.at("activity:wait#0")(wait);
  await sleep.at("sleep:#0")(1e16);
  return first;
});

let database: ServerDatabase;
let server: Journal;
beforeAll(async () => {
  database = await createServerDatabase("huge_durations");
  server = await openJournal({ url: database.url, migrate: true });
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

describe("regression: durations past what PostgreSQL can add", () => {
  const cases: Array<[string, () => Journal]> = [
    ["memory", () => new MemoryJournal({ clock: new ManualClock() })],
    ["PostgreSQL", () => server],
  ];
  for (const [name, journalOf] of cases) {
    it(`an activity timeout and a sleep of 1e16 ms commit and wait "forever" (${name})`, async () => {
      const journal = journalOf();
      const client = createClient({ journal });
      const { runtime, drive } = testRuntime(journal, {
        workflows: [forever],
        activities: [wait],
        owner: `huge-${name}`,
      });
      const errors: unknown[] = [];
      runtime.events.on("engine.error", (e) => errors.push(e.error));
      const run = await client.start(forever, undefined);
      await drive();
      expect(errors).toEqual([]);
      const history = await journal.readHistory(run.runId);
      expect(history.map((e) => e.kind)).toEqual([
        "run_started",
        "activity_scheduled",
        "activity_completed",
        "timer_started",
      ]);
      expect(await journal.nextDueAt()).toBe(MAX_INSTANT_MS);
      expect((await journal.getRun(run.runId))?.status).toBe("running");
    });
  }
});
