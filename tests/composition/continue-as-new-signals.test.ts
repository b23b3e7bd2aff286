import { createClient, createEngine, openJournal, type Engine, type Journal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { tallyFlow } from "./composition-workflows.ts";

// Continue-as-new under load: several senders signal a chain continuously, each addressing
// the run id they were given at the start, while the workflow continues as new every few
// signals. Signals that race a handover are refused by the finished run and retried along the
// chain by the client, or move to the successor inside the journal: none may be lost or taken
// twice.

const senders = 4;
const perSender = 100;
const every = 7;

describe("continue-as-new under concurrent signals on PostgreSQL", () => {
  let database: TestDatabase;
  let journal: Journal;
  const engines: Engine[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("continue_as_new");
    journal = await openJournal({ url: database.url, migrate: true });
  });

  afterAll(async () => {
    for (const engine of engines) await engine.stop({ graceful: false });
    await journal?.close();
    await database?.drop();
  });

  it(`${senders * perSender} signals from ${senders} senders, a new run every ${every}: none lost, none duplicated`, async () => {
    // Two engines compete for the chain's runs, so handovers also race lease takeovers.
    for (const owner of ["tally-a", "tally-b"]) {
      const engine = createEngine({
        journal,
        workflows: [tallyFlow],
        owner,
        pollIntervalMs: 20,
        concurrency: { workflows: 4 },
      });
      engines.push(engine);
      engine.start();
    }
    const client = createClient({ journal, pollIntervalMs: 50 });
    const total = senders * perSender;
    const run = await client.start(
      tallyFlow,
      { seen: [], total, every, round: 0 },
      { id: "tally-chain", attributes: { kind: "tally" } },
    );

    const started = performance.now();
    await Promise.all(
      Array.from({ length: senders }, async (_, sender) => {
        for (let i = 0; i < perSender; i += 1) {
          const value = sender * perSender + i;
          const { accepted } = await client.signal(run.runId, "add", value, { deliveryId: `s${value}` });
          expect(accepted).toBe(true);
          if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }),
    );
    const result = await client.result<{ seen: number[]; rounds: number }>(run.runId, { timeoutMs: 120_000 });
    const elapsed = performance.now() - started;

    expect(result.seen).toHaveLength(total);
    expect(new Set(result.seen).size).toBe(total);
    expect([...result.seen].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    // Each sender's signals are taken in the order it sent them (one sender never overtakes itself).
    for (let sender = 0; sender < senders; sender += 1) {
      const mine = result.seen.filter((value) => Math.floor(value / perSender) === sender);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    expect(result.rounds).toBe(Math.ceil(total / every));

    const chain = (await client.list({ attributes: { kind: "tally" }, limit: 1_000 })).runs;
    expect(chain).toHaveLength(result.rounds);
    for (const link of chain)
      expect(link).toMatchObject({
        workflowId: "tally-chain",
        namespace: client.namespace,
        workflowName: "composition.tally",
      });
    expect(chain.filter((r) => r.status === "continued")).toHaveLength(result.rounds - 1);
    expect((await client.describeWorkflow("tally-chain"))?.status).toBe("completed");
    // Signals a run received but never took were carried to its successor (the mailbox handover).
    let carried = 0;
    for (const link of chain) {
      const last = (await client.history(link.runId)).at(-1);
      if (last?.kind === "run_continued") carried += last.carriedSignals?.length ?? 0;
    }
    expect(carried).toBeGreaterThan(0);
    console.log(
      `continue-as-new: ${total} signals, ${result.rounds} runs in the chain, ${carried} signals carried over by handovers, ${Math.round(elapsed)} ms`,
    );
  }, 150_000);
});
