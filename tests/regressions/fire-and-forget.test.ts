import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../../packages/core/src/journal/memory/index.ts";
import { createClient } from "../../packages/core/src/client/create-client.ts";
import { activity, defineActivity, workflow } from "../../packages/core/src/workflow/index.ts";
import { testRuntime } from "../../packages/core/src/worker/test-support/drive-runtime.ts";

const sent: string[] = [];
const notify = defineActivity("ff.notify", async (to: string) => {
  sent.push(to);
  return "sent";
});

// An activity the code does not await (fire-and-forget), issued in the run's last step.
const flow = workflow.stamped({
  format: 1,
  versionHash: "review-ff-1",
  cursors: ["activity:notify#0"],
  file: "tests/regressions/fire-and-forget.test.ts",
  line: 11,
})("review.ff", { version: 1 }, async (to: string) => {
  void activity.at("activity:notify#0")(notify, to);
  return "done";
});

describe("regression: activity scheduled in the final step", () => {
  it("runs, since the journal says it was scheduled", async () => {
    sent.length = 0;
    const journal = new MemoryJournal({ clock: new ManualClock() });
    const client = createClient({ journal });
    const { drive } = testRuntime(journal, { workflows: [flow], activities: [notify] });
    const run = await client.start(flow, "ops@example.com");
    await drive();
    const history = await journal.readHistory(run.runId);
    expect(history.map((e) => e.kind)).toEqual(["run_started", "activity_scheduled", "run_completed"]);
    expect(sent).toEqual(["ops@example.com"]);
  });
});
