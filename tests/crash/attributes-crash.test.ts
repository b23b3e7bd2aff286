import { fileURLToPath } from "node:url";
import { attr, createClient, type RunFilter } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess } from "../support/child-process.ts";
import { openCrashDatabase, type CrashDatabase } from "./crash-database.ts";
import { stagedFlow } from "./attributes-workflows.ts";

// Issue 17: search attributes set from workflow code survive a SIGKILL of the engine that set
// them. The step that journaled attributes_set also wrote the run's attributes (seen by a
// query before the kill); the engine that takes the run over replays the event without writing
// it again, and its own setAttributes lands like the first.

const engineScript = fileURLToPath(new URL("./attributes-engine-process.ts", import.meta.url));

describe("setAttributes across a SIGKILL and a takeover", () => {
  let crash: CrashDatabase;
  beforeAll(async () => {
    crash = await openCrashDatabase("attributes_crash");
  });
  afterAll(async () => {
    await crash?.close();
  });

  it("the event is written once, the values stay queryable, and the new engine's values land", async () => {
    const env = { DATABASE_URL: crash.database.url };
    const first = startNodeProcess(engineScript, env);
    crash.engines.push(first);
    await first.waitForLine(/^READY/);
    const client = createClient({ journal: crash.journal, workflows: [stagedFlow] });
    const handle = await client.start(stagedFlow, undefined, {
      id: "attrs-crash-1",
      attributes: { stage: "new" },
    });
    const ids = async (where: RunFilter["where"]) => (await client.list({ where })).runs.map((r) => r.runId);
    // Visible as soon as the first engine's step commits (polled: no deadline, the runner's timeout catches a hang).
    while ((await ids(attr("stage").eq("waiting"))).length === 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await ids(attr("engine").eq(first.pid))).toEqual([handle.runId]);

    first.signal("SIGKILL");
    await first.exited;
    const before = await client.history(handle.runId);
    const second = startNodeProcess(engineScript, env);
    crash.engines.push(second);
    await second.waitForLine(/^READY/);
    await client.signal(handle.runId, "go", 2);
    expect(await handle.result({ timeoutMs: 60_000 })).toBe(2);

    const history = await client.history(handle.runId);
    expect(history.slice(0, before.length)).toEqual(before);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    expect(history.filter((e) => e.kind === "attributes_set")).toMatchObject([
      { identity: "setAttributes:#0@0", attributes: { stage: "waiting", step: 1, engine: first.pid } },
      { identity: "setAttributes:#1@0", attributes: { stage: "done", step: 3 } },
    ]);
    // The replay ran the first call again in the new process (another pid) and wrote nothing.
    expect((await client.describe(handle.runId)).attributes).toEqual({
      stage: "done",
      step: 3,
      engine: first.pid,
    });
    expect(await ids(attr("stage").eq("done").and(attr("step").gte(3)))).toEqual([handle.runId]);
    expect(await ids(attr("stage").eq("waiting"))).toEqual([]);
  }, 90_000);
});
