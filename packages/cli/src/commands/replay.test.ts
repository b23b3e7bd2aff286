import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createClient,
  createEngine,
  openJournal,
  type AnyWorkflowDefinition,
  type Journal,
} from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveOptions, transformModule } from "../../../../transformer/src/index.ts";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/test-database.ts";
import { main } from "../main.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum replay` against real built workflow modules: the source is compiled by the
// transformer (as a user's build does), run by an engine, then replayed by the CLI against the
// same build (no drift) and against an edited build (drift, both call sites, exit code 3).

// Inside the package, so the built modules resolve @continuum/core as a user's would.
const dir = fileURLToPath(new URL(`../../.replay-test-${process.pid}/`, import.meta.url));

const activities = `import { defineActivity } from "@continuum/core";
export const charge = defineActivity("replay-charge", async (n: number) => n * 2);
export const ship = defineActivity("replay-ship", async (n: number) => n + 1);
`;
const source = (body: string) => `import { activity, workflow } from "@continuum/core";
import { charge, ship } from "./activities.ts";

export const order = workflow("replay-order", { version: 1 }, async (n: number) => {
${body}
});
`;
const original = `  const charged = await activity(charge, n);
  return await activity(ship, charged);`;
// The edit swaps the calls: a run recorded with the original code now meets another activity.
const edited = `  const shipped = await activity(ship, n);
  return await activity(charge, shipped);`;

function build(name: string, body: string): string {
  const file = join(dir, `${name}.workflow.ts`);
  const result = transformModule(source(body), file, { options: resolveOptions({ manifest: false }, dir) });
  if (result.kind !== "transformed") throw new Error(`transformer: ${result.kind}`);
  const out = join(dir, `${name}.workflow.js`);
  writeFileSync(out, result.code);
  return out;
}

describe("continuum replay", () => {
  let database: TestDatabase;
  let journal: Journal;
  let runId: string;
  let builtOriginal: string;
  let builtEdited: string;
  const env = () => ({ DATABASE_URL: database.url });

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "activities.ts"), activities);
    builtOriginal = build("original", original);
    builtEdited = build("edited", edited);
    database = await createTestDatabase("cli_replay");
    journal = await openJournal({ url: database.url, migrate: true });
    const built = (await import(pathToFileURL(builtOriginal).href)) as { order: AnyWorkflowDefinition };
    const acts = (await import(pathToFileURL(join(dir, "activities.ts")).href)) as Record<string, never>;
    expect(built.order.stamp).toBeDefined();
    const engine = createEngine({
      journal,
      workflows: [built.order],
      activities: Object.values(acts),
      pollIntervalMs: 50,
    });
    engine.start();
    try {
      const run = await createClient({ journal, pollIntervalMs: 50 }).start(built.order, 20);
      expect(await run.result({ timeoutMs: 60_000 })).toBe(41);
      runId = run.runId;
    } finally {
      await engine.stop();
    }
  }, 120_000);
  afterAll(async () => {
    await journal?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("replays a run on the build that recorded it: exit 0", async () => {
    const io = captured(env());
    const code = await main(["replay", runId, "--workflows", builtOriginal], io);
    expect(code, io.err()).toBe(0);
    expect(io.out()).toContain("replays on this build");
  });

  it("reports drift on an edited build with both call sites: exit 3", async () => {
    const io = captured(env());
    const code = await main(["replay", runId, "--workflows", builtEdited, "--json"], io);
    expect(code, io.err()).toBe(3);
    const report = JSON.parse(io.out()) as {
      drift: string;
      recorded: { effect: string; location?: string };
      current: { effect: string; location?: string };
    };
    expect(report.drift).toBe("changed");
    expect(report.recorded.effect).toContain("replay-charge");
    expect(report.current.effect).toContain("replay-ship");
    // The history keeps no source positions: the recorded side is placed by the cursor it was
    // recorded under, the current side by the call the edited code makes now.
    console.log(`recorded: ${JSON.stringify(report.recorded)}\ncode now: ${JSON.stringify(report.current)}`);
    expect(report.recorded.location).toBeDefined();
    expect(report.current.location).toContain("edited.workflow.js");
    expect(report.recorded.location).toContain("edited.workflow.ts:4");

    const text = captured(env());
    expect(await main(["replay", runId, "--workflows", builtEdited], text)).toBe(3);
    expect(text.out()).toMatch(/recorded: .*replay-charge[\s\S]*code now: .*replay-ship/);
  });

  it("fails clearly without modules, with a module that exports no workflow, or an unknown run", async () => {
    const none = captured(env());
    expect(await main(["replay", runId], none)).toBe(2);
    const empty = join(dir, "empty.js");
    writeFileSync(empty, "export const x = 1;\n");
    const wrong = captured(env());
    expect(await main(["replay", runId, "--workflows", empty], wrong)).toBe(2);
    expect(wrong.err()).toContain("no workflow definitions");
    const missing = captured(env());
    expect(await main(["replay", "no-such-run", "--workflows", builtOriginal], missing)).toBe(1);
  });
});
