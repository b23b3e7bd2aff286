import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { createInspector } from "../inspect/create-inspector.ts";
import { ErrorCode } from "../errors/index.ts";
import type { Journal } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";

// Engines serving a subset of namespaces: one engine serves billing and billing-eu, another
// shipping; each steps only runs of its own namespaces, on the memory journal and PostgreSQL.

const flow = workflow.stamped({
  format: 1,
  versionHash: "ns-flow",
  cursors: [],
  file: "test/engine-namespaces.workflow.ts",
  line: 1,
})("ns-flow", { version: 1 }, async (n: number) => n * 2);

let database: ServerDatabase | undefined;
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe.each([
  { kind: "memory", open: async (): Promise<Journal> => new MemoryJournal() },
  {
    kind: "postgres",
    open: async (): Promise<Journal> => {
      database ??= await createServerDatabase("tenancy_namespaces");
      const db = database;
      cleanup.push(() => db.drop());
      return openJournal({ url: db.url, migrate: true });
    },
  },
])("engines serving namespaces on $kind", ({ open }) => {
  it("each engine steps only runs of the namespaces it serves", async () => {
    const journal = await open();
    const stepped = new Map<string, Set<string>>();
    const engines: Engine[] = [
      createEngine({ journal, workflows: [flow], namespaces: ["billing", "billing-eu"], pollIntervalMs: 20 }),
      createEngine({ journal, workflows: [flow], namespace: "shipping", pollIntervalMs: 20 }),
    ];
    for (const engine of engines) {
      const mine = new Set<string>();
      stepped.set(engine.namespace, mine);
      engine.events.on("step.committed", (event) => mine.add(event.runId));
      engine.start();
    }
    try {
      const byNamespace = new Map<string, string[]>();
      for (const namespace of ["billing", "billing-eu", "shipping"]) {
        const client = createClient({ journal, namespace, pollIntervalMs: 20 });
        const runs = await Promise.all([1, 2, 3].map((n) => client.start(flow, n)));
        expect(await Promise.all(runs.map((run) => run.result()))).toEqual([2, 4, 6]);
        byNamespace.set(
          namespace,
          runs.map((run) => run.runId),
        );
      }
      // A run of a namespace nobody serves is never taken.
      const orphan = await createClient({ journal, namespace: "nobody" }).start(flow, 9);
      const billing = [...(byNamespace.get("billing") ?? []), ...(byNamespace.get("billing-eu") ?? [])];
      expect([...(stepped.get("billing") ?? [])].sort()).toEqual(billing.sort());
      expect([...(stepped.get("shipping") ?? [])].sort()).toEqual((byNamespace.get("shipping") ?? []).sort());
      expect((await createClient({ journal, namespace: "nobody" }).describe(orphan.runId)).status).toBe(
        "running",
      );
      expect(stepped.get("billing")?.has(orphan.runId)).toBe(false);

      // Listing is scoped to the client's namespace unless asked for every one ("*").
      const billingClient = createClient({ journal, namespace: "billing" });
      const ids = (page: { readonly runs: readonly { readonly runId: string }[] }) =>
        page.runs.map((run) => run.runId).sort();
      expect(ids(await billingClient.list())).toEqual((byNamespace.get("billing") ?? []).sort());
      expect(ids(await billingClient.list({ namespace: "shipping" }))).toEqual(
        (byNamespace.get("shipping") ?? []).sort(),
      );
      const everyRun = [...byNamespace.values()].flat().concat(orphan.runId).sort();
      expect(ids(await billingClient.list({ namespace: "*", limit: 100 }))).toEqual(everyRun);
      const inspector = createInspector(journal);
      expect(ids(await inspector.runs({ namespace: "*", limit: 100 }))).toEqual(everyRun);
      expect(ids(await inspector.runs({ namespace: "billing-eu" }))).toEqual(
        (byNamespace.get("billing-eu") ?? []).sort(),
      );
      expect((await inspector.counts({ namespace: "shipping" })).completed).toBe(3);
      expect(() => createClient({ journal, namespace: "*" })).toThrow(/means every namespace/);
    } finally {
      await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
      await journal.close();
    }
  });
});

describe("namespaces option", () => {
  it("is refused empty, or without the home namespace in it", () => {
    const journal = new MemoryJournal();
    expect(() => createEngine({ journal, workflows: [flow], namespaces: [] })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => createEngine({ journal, workflows: [flow], namespace: "a", namespaces: ["b"] })).toThrow(
      /one of namespaces \(b\)/,
    );
    expect(createEngine({ journal, workflows: [flow], namespaces: ["b", "c"] }).namespace).toBe("b");
  });
});
