import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal, RunClaim } from "../journal/journal.ts";
import { formatInboxHint, NotifyTopic, parseInboxHint } from "../journal/notifier.ts";
import { openJournal } from "../journal/open-journal.ts";
import type { ListeningNotifier } from "../journal/sql/pg-notifier.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { signal, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";

const file = "packages/core/src/worker/inbox-hint.test.ts";
const stamp = (versionHash: string, line: number) =>
  ({ format: 1, versionHash, cursors: [], file, line }) as const;

/** Waits for `count` signals named "item" and returns them in the order the code received them. */
const collect = workflow.stamped(stamp("hint-collect", 13))(
  "hint.collect",
  { version: 1 },
  async (count: number) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i += 1) seen.push(await signal.at("signal:item#0")<number>("item"));
    return seen;
  },
);

describe("signals delivered from run_inbox hints (PostgreSQL)", () => {
  let database: ServerDatabase;
  const journals: Journal[] = [];
  const engines: Engine[] = [];
  beforeAll(async () => {
    database = await createServerDatabase("hints");
  });
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
    await Promise.all(journals.map((journal) => journal.close()));
    await database.drop();
  });

  /** A journal whose claims are recorded per run. */
  const open = async (migrate = false) => {
    const journal = await openJournal({ url: database.url, migrate });
    journals.push(journal);
    const claims = new Map<string, number>();
    const claimRuns = journal.claimRuns.bind(journal);
    journal.claimRuns = async (request) => {
      const claimed: RunClaim[] = await claimRuns(request);
      for (const claim of claimed) claims.set(claim.run.runId, (claims.get(claim.run.runId) ?? 0) + 1);
      return claimed;
    };
    return { journal, claims };
  };

  it("a signal to a run the engine holds is delivered without a claim", async () => {
    const { journal, claims } = await open(true);
    const engine = createEngine({ journal, workflows: [collect], pollIntervalMs: 60_000 });
    engines.push(engine);
    const received: string[] = [];
    engine.events.on("signal.received", (e) => received.push(e.runId));
    const stepped = stepsOf(engine);
    engine.start();
    // Hints sent before the engine's LISTEN connection is up are lost (the poll, here a minute, is
    // the fallback): these tests are about hints, so they start once it listens.
    await (journal.notifier as ListeningNotifier).listening();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(collect, 3);
    for (let i = 0; i < 3; i += 1) {
      // Once the engine has taken its step (not merely once the row shows it): a hint that
      // arrives while the engine still finishes that step is handed to a claim instead.
      await stepped(run.runId, i + 1);
      await client.signal(run.runId, "item", i);
    }
    expect(await run.result()).toEqual([0, 1, 2]);
    expect(received).toEqual([run.runId, run.runId, run.runId]);
    expect(claims.get(run.runId) ?? 0).toBe(0); // eager start, then three hinted steps
  });

  it("a signal sent through another journal is read back by the engine and delivered without a claim", async () => {
    const { journal, claims } = await open();
    const reads: number[] = [];
    const readInboxItem = journal.readInboxItem.bind(journal);
    journal.readInboxItem = async (runId, inboxId) => {
      reads.push(inboxId);
      return readInboxItem(runId, inboxId);
    };
    const engine = createEngine({ journal, workflows: [collect], pollIntervalMs: 60_000 });
    engines.push(engine);
    const stepped = stepsOf(engine);
    engine.start();
    // Hints sent before the engine's LISTEN connection is up are lost (the poll, here a minute, is
    // the fallback): these tests are about hints, so they start once it listens.
    await (journal.notifier as ListeningNotifier).listening();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(collect, 2);
    // Another process's client: the item is not in the engine's journal's memory.
    const sender = createClient({ journal: (await open()).journal });
    for (let i = 0; i < 2; i += 1) {
      await stepped(run.runId, i + 1);
      await sender.signal(run.runId, "item", { n: i, text: "y".repeat(i === 1 ? 20_000 : 1) });
    }
    const seen = (await run.result()) as unknown as Array<{ n: number }>;
    expect(seen.map((value) => value.n)).toEqual([0, 1]);
    expect(reads).toHaveLength(2); // one read per hint, the large payload included
    expect(claims.get(run.runId) ?? 0).toBe(0);
  });

  it("a hint naming no item of the run (forged, or delivered already) steps nothing and keeps the run cached", async () => {
    const { journal, claims } = await open();
    const answered = new Map<number, boolean>();
    const readInboxItem = journal.readInboxItem.bind(journal);
    journal.readInboxItem = async (runId, inboxId) => {
      const item = await readInboxItem(runId, inboxId);
      answered.set(inboxId, item !== undefined);
      return item;
    };
    const engine = createEngine({ journal, workflows: [collect], pollIntervalMs: 60_000 });
    engines.push(engine);
    const steps: string[] = [];
    engine.events.on("step.committed", (e) => steps.push(e.runId));
    const stepped = stepsOf(engine);
    engine.start();
    // Hints sent before the engine's LISTEN connection is up are lost (the poll, here a minute, is
    // the fallback): these tests are about hints, so they start once it listens.
    await (journal.notifier as ListeningNotifier).listening();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(collect, 1);
    // Once the engine has taken its first step, not once the row shows it: the real signal below
    // must find the run back in the sticky cache, and on a busy machine the row can show the step
    // while the engine still finishes it (its hint is then handed to a claim).
    await stepped(run.runId, 1);
    expect((await journal.getRun(run.runId))?.lastSeq).toBe(2);
    const stepsBefore = steps.length;
    // Anyone who can connect may NOTIFY: the hint is only a pointer, read back with the engine's rights.
    // Sent again until the engine has read it: its LISTEN connection may still be coming up, and
    // a notification sent before it listens is lost (a hint is only a hint).
    const pool = new pg.Client({ connectionString: database.url });
    await pool.connect();
    try {
      while (!answered.has(9_999_999)) {
        await pool.query("SELECT pg_notify($1, $2)", [
          "continuum_run_inbox",
          formatInboxHint({ runId: run.runId, inboxId: 9_999_999, runVersion: "1" }),
        ]);
        for (let i = 0; i < 40 && !answered.has(9_999_999); i += 1)
          await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      await pool.end();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered.get(9_999_999)).toBe(false);
    expect(steps.length).toBe(stepsBefore);
    await client.signal(run.runId, "item", 7);
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([7]);
    expect(claims.get(run.runId) ?? 0).toBe(0); // still cached: the real signal took the fast path
  });

  it("sendSignal publishes ids and the row version it wrote, never the signal, whatever its size", async () => {
    const { journal } = await open();
    const hints: string[] = [];
    const ready: string[] = [];
    const stopHints = journal.notifier.subscribe(NotifyTopic.runInbox, (payload) => hints.push(payload));
    const stopReady = journal.notifier.subscribe(NotifyTopic.runReady, (runId) => ready.push(runId));
    await new Promise((resolve) => setTimeout(resolve, 200)); // LISTEN goes through
    const { run } = await journal.startRun({
      namespace: "default",
      workflowName: "hint.none",
      versionHash: "v",
      input: null,
    });
    await journal.sendSignal({ runId: run.runId, name: "small", payload: { n: 1 } });
    await journal.sendSignal({ runId: run.runId, name: "large", payload: "x".repeat(10_000) });
    while (hints.length < 2 || !ready.includes(run.runId))
      await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing else is on its way
    stopHints();
    stopReady();
    expect(hints).toHaveLength(2);
    // run_ready for the start only; each signal is announced by its hint alone.
    expect(ready.filter((id) => id === run.runId)).toHaveLength(1);
    const parsed = hints.map((payload) => parseInboxHint(payload));
    const [claim] = await journal.claimRuns({
      owner: "probe",
      limit: 1,
      leaseMs: 1_000,
      workflowNames: ["hint.none"],
    });
    expect(parsed.map((hint) => hint?.inboxId)).toEqual(claim!.inbox.map((item) => item.id));
    for (const [i, hint] of parsed.entries()) {
      expect(hints[i]).toBe(formatInboxHint(hint!));
      expect(hint).toMatchObject({ runId: run.runId });
      expect(hint?.runVersion).toMatch(/^[0-9]+$/);
    }
    expect(claim!.inbox.map((item) => item.event.kind === "signal_received" && item.event.name)).toEqual([
      "small",
      "large",
    ]);
    // The engine reads the item itself; a delivered or foreign id reads nothing.
    expect(await journal.readInboxItem(run.runId, parsed[0]!.inboxId)).toEqual(claim!.inbox[0]);
    expect(await journal.readInboxItem("another-run", parsed[0]!.inboxId)).toBeUndefined();
    expect(parseInboxHint("{not json")).toBeUndefined();
    // The form older senders used (the item as JSON) is not taken: it only announces a ready run.
    expect(
      parseInboxHint(JSON.stringify({ run: "r", id: 1, v: "2", kind: "signal_received", body: {} })),
    ).toBeUndefined();
    expect(parseInboxHint(`${run.runId}:1:x`)).toBeUndefined();
  });

  it("a burst of signals from several senders: each delivered once, in the order of the history, none lost", async () => {
    const { journal } = await open();
    const engine = createEngine({ journal, workflows: [collect], pollIntervalMs: 200 });
    engines.push(engine);
    engine.start();
    // Hints sent before the engine's LISTEN connection is up are lost (the poll, here a minute, is
    // the fallback): these tests are about hints, so they start once it listens.
    await (journal.notifier as ListeningNotifier).listening();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const count = 60;
    const run = await client.start(collect, count);
    const senders = Array.from({ length: 4 }, async (_, s) => {
      const other = await open();
      const sender = createClient({ journal: other.journal });
      for (let i = s; i < count; i += 4) await sender.signal(run.runId, "item", i);
    });
    await Promise.all(senders);
    const seen = await run.result({ timeoutMs: 30_000 });
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
    const history = await journal.readHistory(run.runId);
    expect(history.map((event) => event.seq)).toEqual(history.map((_, i) => i + 1));
    const delivered = history.flatMap((event) =>
      event.kind === "signal_received" ? [event.payload as number] : [],
    );
    expect(delivered).toEqual(seen);
    // Per sender, in the order it sent them (one connection, one signal at a time).
    for (let s = 0; s < 4; s += 1) {
      const mine = seen.filter((value) => value % 4 === s);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });
});

/**
 * Waits for the engine's own steps of a run: `stepped(runId, n)` resolves once it has committed
 * n of them. The waiter resumes after the synchronous rest of the step (the run cached at its
 * new row version), so a signal sent then finds the engine ready for its hint.
 */
function stepsOf(engine: Engine): (runId: string, count: number) => Promise<void> {
  const counts = new Map<string, number>();
  const waiters: Array<{ runId: string; count: number; resolve: () => void }> = [];
  engine.events.on("step.committed", (event) => {
    counts.set(event.runId, (counts.get(event.runId) ?? 0) + 1);
    for (const waiter of waiters.splice(0))
      if ((counts.get(waiter.runId) ?? 0) >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
  });
  return (runId, count) =>
    (counts.get(runId) ?? 0) >= count
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ runId, count, resolve }));
}
