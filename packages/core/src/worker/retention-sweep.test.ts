import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { days, workflow } from "../workflow/index.ts";
import { createEngine } from "./create-engine.ts";
import { retentionByWorkflow } from "./retention-sweep.ts";

const stampOf = (name: string) =>
  ({ format: 1, versionHash: `${name}-v1`, cursors: [], file: `test/${name}.ts`, line: 1 }) as const;
const shortLived = workflow.stamped(stampOf("short"))(
  "short",
  { version: 1, retention: days(1) },
  async (n: number) => n,
);
const defaulted = workflow.stamped(stampOf("defaulted"))("defaulted", { version: 1 }, async (n: number) => n);

describe("engine retention sweep", () => {
  it("deletes closed runs past each workflow's retention (or the engine default), and nothing else", async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const engine = createEngine({
      journal,
      workflows: [shortLived, defaulted],
      pollIntervalMs: 20,
      retention: { defaultMs: days(3), intervalMs: 20, batchSize: 2 },
    });
    const deleted: { workflowName: string; runs: number }[] = [];
    engine.events.on("retention.deleted", (e) => void deleted.push(e));
    engine.start();
    try {
      const client = createClient({ journal, pollIntervalMs: 20 });
      const shorts = await Promise.all([1, 2, 3].map((n) => client.start(shortLived, n)));
      const other = await client.start(defaulted, 9);
      for (const run of [...shorts, other]) await run.result({ timeoutMs: 30_000 });

      clock.advance(days(2));
      await until(() => deleted.reduce((n, e) => n + e.runs, 0) === 3);
      for (const run of shorts) expect(await journal.getRun(run.runId)).toBeUndefined();
      expect((await journal.getRun(other.runId))?.status).toBe("completed");
      expect(deleted.every((e) => e.workflowName === "short")).toBe(true);

      clock.advance(days(2));
      await until(async () => (await journal.getRun(other.runId)) === undefined);
      expect(deleted.at(-1)).toMatchObject({ workflowName: "defaulted", runs: 1 });
    } finally {
      await engine.stop({ graceful: false });
    }
  });

  it("an engine serving several namespaces sweeps each, with a namespace's own default", async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const engine = createEngine({
      journal,
      workflows: [shortLived, defaulted],
      namespaces: ["paid", "trial"],
      pollIntervalMs: 20,
      retention: { defaultMs: days(30), byNamespace: { trial: days(2) }, intervalMs: 20 },
    });
    const deleted: { namespace: string; workflowName: string; runs: number }[] = [];
    engine.events.on("retention.deleted", (e) => void deleted.push(e));
    engine.start();
    try {
      const paid = createClient({ journal, namespace: "paid", pollIntervalMs: 20 });
      const trial = createClient({ journal, namespace: "trial", pollIntervalMs: 20 });
      const paidRun = await paid.start(defaulted, 1);
      const trialRun = await trial.start(defaulted, 2);
      // A workflow's own retention (1 day) wins over the namespace default in both.
      const paidShort = await paid.start(shortLived, 3);
      for (const run of [paidRun, trialRun, paidShort]) await run.result({ timeoutMs: 30_000 });

      clock.advance(days(3));
      await until(async () => (await journal.getRun(trialRun.runId)) === undefined);
      await until(async () => (await journal.getRun(paidShort.runId)) === undefined);
      expect((await journal.getRun(paidRun.runId))?.status).toBe("completed");
      expect(deleted).toContainEqual(
        expect.objectContaining({ namespace: "trial", workflowName: "defaulted" }),
      );
      expect(deleted).not.toContainEqual(
        expect.objectContaining({ namespace: "paid", workflowName: "defaulted" }),
      );
    } finally {
      await engine.stop({ graceful: false });
    }
    expect(() =>
      createEngine({ journal, workflows: [defaulted], retention: { byNamespace: { other: days(1) } } }),
    ).toThrow(/retention\.byNamespace\.other.*a namespace this engine serves \(default\)/);
  });

  it("takes the highest registered version's retention; workflows without one are never swept", () => {
    const v2 = workflow.stamped({ ...stampOf("short"), versionHash: "short-v2" })(
      "short",
      { version: 2, retention: days(7) },
      async (n: number) => n,
    );
    expect(retentionByWorkflow([shortLived, v2, defaulted], undefined)).toEqual(
      new Map([["short", days(7)]]),
    );
  });

  it("rejects a retention that is not a positive number of ms", () => {
    expect(() =>
      workflow.stamped(stampOf("bad"))("bad", { version: 1, retention: -1 }, async () => 1),
    ).toThrow(/retention/);
  });
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}
