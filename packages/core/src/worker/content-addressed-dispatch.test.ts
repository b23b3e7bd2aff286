import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { activity, defineActivity, signal, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import { createRegistry } from "./registry.ts";

// Two versions of one workflow, as two builds would stamp them: v1 waits for a signal and
// calls `step` once; v2 calls `step` twice. A v1 history replayed by v2 would drift.
const step = defineActivity("dispatch.step", async (label: string) => label);
const stampOf = (versionHash: string, cursors: string[]) =>
  ({ format: 1, versionHash, cursors, file: "test/dispatch.workflow.ts", line: 1 }) as const;

const v1 = workflow.stamped(stampOf("hash-v1", ["signal:go#0", "activity:step#0"]))(
  "dispatch",
  { version: 1 },
  async (input: { id: string }) => {
    await signal.at("signal:go#0")<string>("go");
    return `v1:${await activity.at("activity:step#0")(step, input.id)}`;
  },
);
const v2 = workflow.stamped(stampOf("hash-v2", ["signal:go#0", "activity:step#0", "activity:step#1"]))(
  "dispatch",
  { version: 2 },
  async (input: { id: string }) => {
    await signal.at("signal:go#0")<string>("go");
    const a = await activity.at("activity:step#0")(step, input.id);
    const b = await activity.at("activity:step#1")(step, `${input.id}!`);
    return `v2:${a}+${b}`;
  },
);

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: false })));
});

function startEngine(
  journal: MemoryJournal,
  workflows: Parameters<typeof createEngine>[0]["workflows"],
  owner: string,
): Engine {
  const engine = createEngine({
    journal,
    workflows,
    activities: [step],
    owner,
    pollIntervalMs: 10,
    unknownVersionAfterMs: 150,
  });
  engines.push(engine);
  engine.start();
  return engine;
}

// No deadline: a busy machine may take long, and the runner's timeout catches a hang.
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("registry with several versions of one workflow", () => {
  it("keeps versions side by side: newest by `version`, exact code by hash", () => {
    const registry = createRegistry([v2, v1], [step]);
    expect(registry.workflow("dispatch")).toBe(v2);
    expect(registry.workflowVersion("dispatch", "hash-v1")).toBe(v1);
    expect(registry.workflowVersion("dispatch", "hash-v2")).toBe(v2);
    expect(registry.workflowVersion("dispatch", "hash-v3")).toBeUndefined();
    expect(registry.workflowNames()).toEqual(["dispatch"]);
    expect(registry.workflowVersions()).toEqual([
      { workflowName: "dispatch", versionHash: "hash-v2" },
      { workflowName: "dispatch", versionHash: "hash-v1" },
    ]);
  });

  it("refuses two different definitions with one version number, and one hash registered by two definitions", () => {
    const sameNumber = workflow.stamped(stampOf("hash-other", []))(
      "dispatch",
      { version: 1 },
      async () => "x",
    );
    expect(() => createRegistry([v1, sameNumber], [])).toThrow(
      expect.objectContaining({ code: ErrorCode.WorkflowVersionConflict }),
    );
    const sameHash = workflow.stamped(stampOf("hash-v1", []))("dispatch", { version: 3 }, async () => "x");
    expect(() => createRegistry([v1, sameHash], [])).toThrow(
      expect.objectContaining({ code: ErrorCode.WorkflowAlreadyRegistered }),
    );
    expect(() => createRegistry([v1, v1, v2], [])).not.toThrow();
  });
});

describe("taking over older versions", () => {
  it("a version that `replaces` a hash gets that hash's runs when the exact version is not registered", () => {
    const v3 = workflow.stamped(stampOf("hash-v3", []))(
      "dispatch",
      { version: 3, replaces: ["hash-v1"] },
      async () => "v3",
    );
    const alone = createRegistry([v3], []);
    expect(alone.workflowVersion("dispatch", "hash-v1")).toBe(v3);
    expect(
      alone
        .workflowVersions()
        .map((ref) => ref.versionHash)
        .sort(),
    ).toEqual(["hash-v1", "hash-v3"]);
    // The exact version wins when it is registered too.
    expect(createRegistry([v1, v3], []).workflowVersion("dispatch", "hash-v1")).toBe(v1);
    const rival = workflow.stamped(stampOf("hash-v4", []))(
      "dispatch",
      { version: 4, replaces: ["hash-v1"] },
      async () => "v4",
    );
    expect(() => createRegistry([v3, rival], [])).toThrow(
      expect.objectContaining({ code: ErrorCode.WorkflowVersionConflict }),
    );
    expect(() => workflow("dispatch", { version: 5, replaces: [""] }, async () => 1)).toThrow(/replaces/);
  });
});

describe("content-addressed dispatch", () => {
  it("replays each run with the code of its own hash when both versions are registered", async () => {
    const journal = new MemoryJournal();
    startEngine(journal, [v1, v2], "both");
    const client = createClient({ journal, pollIntervalMs: 10 });
    const old = await client.start(v1, { id: "a" });
    const fresh = await client.start(v2, { id: "b" });
    await waitFor(
      async () =>
        (await client.history(old.runId)).length > 1 && (await client.history(fresh.runId)).length > 1,
    );
    await client.signal(old.runId, "go", "now");
    await client.signal(fresh.runId, "go", "now");
    expect(await old.result({ timeoutMs: 5_000 })).toBe("v1:a");
    expect(await fresh.result({ timeoutMs: 5_000 })).toBe("v2:b+b!");
  });

  it("an engine without the run's hash marks it stuck_unknown_version (not failed, nothing replayed); an engine with it finishes it", async () => {
    const journal = new MemoryJournal();
    const client = createClient({ journal, pollIntervalMs: 10 });
    const a = startEngine(journal, [v1], "engine-a");
    const run = await client.start(v1, { id: "r" });
    await waitFor(async () => (await client.history(run.runId)).length >= 2);
    await a.stop();
    const historyBefore = await client.history(run.runId);

    const b = startEngine(journal, [v2], "engine-b");
    const stuck: string[] = [];
    b.events.on("run.stuck_unknown_version", (event) => {
      expect(event).toMatchObject({
        workflowName: "dispatch",
        versionHash: "hash-v1",
        knownHashes: ["hash-v2"],
      });
      stuck.push(event.runId);
    });
    const drifted: string[] = [];
    b.events.on("replay.drift", (event) => drifted.push(event.runId));
    await client.signal(run.runId, "go", "now");
    await waitFor(async () => (await client.describe(run.runId)).status === "stuck_unknown_version");
    expect(stuck).toEqual([run.runId]);
    expect(drifted).toEqual([]);
    const listed = await client.list({ status: "stuck_unknown_version" });
    expect(listed.runs.map((r) => r.runId)).toEqual([run.runId]);
    // Nothing was written: the signal still waits in the inbox, the history is as A left it.
    expect(await client.history(run.runId)).toEqual(historyBefore);
    // New runs start on the version engine B has, and B runs them.
    const fresh = await client.start(v2, { id: "n" });
    await client.signal(fresh.runId, "go", "now");
    expect(await fresh.result({ timeoutMs: 5_000 })).toBe("v2:n+n!");
    expect((await client.describe(run.runId)).status).toBe("stuck_unknown_version");

    startEngine(journal, [v1], "engine-c");
    expect(await run.result({ timeoutMs: 5_000 })).toBe("v1:r");
    expect((await client.describe(run.runId)).status).toBe("completed");
  });

  it("in a rolling deploy, a run another live engine can serve is never marked stuck", async () => {
    const journal = new MemoryJournal();
    const client = createClient({ journal, pollIntervalMs: 10 });
    const oldEngine = startEngine(journal, [v1], "old");
    startEngine(journal, [v2], "new");
    const stuck: string[] = [];
    oldEngine.events.on("run.stuck_unknown_version", (event) => stuck.push(event.runId));
    const handles = [];
    for (let i = 0; i < 5; i += 1) handles.push(await client.start(i % 2 === 0 ? v2 : v1, { id: `r${i}` }));
    await new Promise((resolve) => setTimeout(resolve, 400)); // past unknownVersionAfterMs, several sweeps
    for (const handle of handles) await client.signal(handle.runId, "go", "now");
    const results = await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 5_000 })));
    expect(results).toEqual(["v2:r0+r0!", "v1:r1", "v2:r2+r2!", "v1:r3", "v2:r4+r4!"]);
    expect(stuck).toEqual([]);
  });
});
