import { describe, expect, it } from "vitest";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";

const greet = defineActivity("kit.greet", async (who: string) => `hello ${who}`);
const greetV2 = defineActivity("kit.greet", async (who: string) => `hi ${who} (v2 activities)`);
const stampOf = (versionHash: string) =>
  ({
    format: 1,
    versionHash,
    cursors: ["activity:greet#0"],
    file: "test/kit-versions.workflow.ts",
    line: 1,
  }) as const;
const v1 = workflow.stamped(stampOf("kit-v1"))(
  "kit.greeting",
  { version: 1 },
  async (who: string) => await activity.at("activity:greet#0")(greet, who),
);
const v2 = workflow.stamped(stampOf("kit-v2"))(
  "kit.greeting",
  { version: 2 },
  async (who: string) => `${await activity.at("activity:greet#0")(greet, who)}!`,
);

describe("test kit: workflow versions", () => {
  it("runs each run on its own version, and shows a run of a version it lacks as stuck_unknown_version", async () => {
    const both = await createTestEnvironment({ workflows: [v1, v2], activities: [greet], paranoid: true });
    expect(await (await both.client.start(v1, "ada")).result()).toBe("hello ada");
    expect(await (await both.client.start(v2, "bob")).result()).toBe("hello bob!");
    await both.close();

    const onlyV2 = await createTestEnvironment({ workflows: [v2], activities: [greet] });
    const old = await onlyV2.client.start(v1, "cyd");
    const stuck = await onlyV2.waitFor(old.runId, "stuck_unknown_version");
    expect(stuck).toMatchObject({ status: "stuck_unknown_version", versionHash: "kit-v1", lastSeq: 1 });
    expect(await onlyV2.client.history(old.runId)).toHaveLength(1);
    await onlyV2.close();
  });

  it("a restart with new activity code runs it for attempts after the deploy, in runs already in flight", async () => {
    const env = await createTestEnvironment({ workflows: [v1], activities: [greet] });
    try {
      const run = await env.client.start(v1, "eve");
      // Deployed before the run's first step: its activity runs on the new code.
      await env.restart({ activities: [greetV2] });
      expect(await run.result()).toBe("hi eve (v2 activities)");
      expect(env.restarts).toBe(1);
      expect(env.deployed.activities).toEqual([greetV2]);
    } finally {
      await env.close();
    }
  });
});
