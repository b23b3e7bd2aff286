import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkflowVersionRef } from "../journal.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import {
  createServerDatabase,
  emptyJournal,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

// Content-addressed dispatch under contention on the real server: sweepers that lack a hash
// race claimers that have it. A run is never both leased by a claimer and left stuck, and a
// claimer never takes a run of a version it did not name.

let database: ServerDatabase;
let db: SqlExecutor;
const silent = { subscribe: () => () => {}, close: async () => {} };
const v1: WorkflowVersionRef = { workflowName: "wf", versionHash: "v1" };
const v2: WorkflowVersionRef = { workflowName: "wf", versionHash: "v2" };

beforeAll(async () => {
  database = await createServerDatabase("version_dispatch");
  db = serverKysely(database.url, 10);
  await migrate(db);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe("version dispatch races (real server)", () => {
  it("sweepers without v1 and claimers with v1 at once: every v1 run ends up claimed once and running", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const runs = 60;
    for (let i = 0; i < runs; i++)
      await journal.startRun({
        namespace: "ns",
        workflowName: "wf",
        versionHash: i % 3 === 0 ? "v2" : "v1",
        input: i,
      });
    const v1Count = Array.from({ length: runs }, (_, i) => i).filter((i) => i % 3 !== 0).length;

    // An owner gets its own leased, still-ready runs back on its next claim: keep (run, owner) pairs.
    const claimed: { runId: string; owner: string; versionHash: string; status: string }[] = [];
    const marked: string[] = [];
    const claimer = async (owner: string) => {
      for (let round = 0; round < 8; round++) {
        const claims = await journal.claimRuns({
          owner,
          limit: 5,
          leaseMs: 60_000,
          workflowNames: ["wf"],
          workflowVersions: [v1],
        });
        claimed.push(
          ...claims.map((c) => ({
            runId: c.run.runId,
            owner,
            versionHash: c.run.versionHash,
            status: c.run.status,
          })),
        );
      }
    };
    const sweeper = async () => {
      for (let round = 0; round < 8; round++)
        marked.push(
          ...(await journal.markUnknownVersions({ known: [v2], waitingForMs: 0, limit: 10 })).map(
            (r) => r.runId,
          ),
        );
    };
    await Promise.all([claimer("engine-a"), claimer("engine-b"), claimer("engine-c"), sweeper(), sweeper()]);
    // Whatever the sweepers marked and nobody took yet, a last claim takes (and un-sticks).
    const rest = await journal.claimRuns({
      owner: "engine-z",
      limit: 100,
      leaseMs: 60_000,
      workflowVersions: [v1],
    });
    claimed.push(
      ...rest.map((c) => ({
        runId: c.run.runId,
        owner: "engine-z",
        versionHash: c.run.versionHash,
        status: c.run.status,
      })),
    );

    expect(claimed.every((c) => c.versionHash === "v1" && c.status === "running")).toBe(true);
    // Live leases: a run is only ever held by one owner.
    const owners = new Map<string, Set<string>>();
    for (const c of claimed) owners.set(c.runId, (owners.get(c.runId) ?? new Set()).add(c.owner));
    expect([...owners.values()].every((set) => set.size === 1)).toBe(true);
    expect(owners.size).toBe(v1Count);
    expect(marked.length).toBeLessThanOrEqual(v1Count);
    console.log(
      `version dispatch race: ${marked.length} of ${v1Count} v1 runs marked stuck before a claimer took them`,
    );
    const page = await journal.listRuns({ namespace: "ns", limit: 100 });
    for (const run of page.runs) {
      // v1 runs are all leased and running; v2 runs were never claimed nor marked (their hash is known).
      expect(run.status).toBe("running");
      if (run.versionHash === "v1") expect(run.leaseOwner).toBeDefined();
      else expect(run.leaseOwner).toBeUndefined();
    }
  });
});
