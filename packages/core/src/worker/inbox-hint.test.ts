import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal, RunClaim } from "../journal/journal.ts";
import { NotifyTopic, parseInboxHint } from "../journal/notifier.ts";
import { openJournal } from "../journal/open-journal.ts";
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
    engine.start();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(collect, 3);
    for (let i = 0; i < 3; i += 1) {
      while ((await journal.getRun(run.runId))?.lastSeq !== 2 + 2 * i)
        await new Promise((resolve) => setTimeout(resolve, 5));
      await client.signal(run.runId, "item", i);
    }
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([0, 1, 2]);
    expect(received).toEqual([run.runId, run.runId, run.runId]);
    expect(claims.get(run.runId) ?? 0).toBe(0); // eager start, then three hinted steps
  });

  it("sendSignal publishes the item and the row version it wrote; a large payload only makes the run ready", async () => {
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
    const deadline = Date.now() + 5_000;
    while ((hints.length < 1 || ready.filter((id) => id === run.runId).length < 2) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing else is on its way
    stopHints();
    stopReady();
    expect(hints).toHaveLength(1);
    // run_ready for the start and for the large signal; the small one is announced by its hint alone.
    expect(ready.filter((id) => id === run.runId)).toHaveLength(2);
    const hint = parseInboxHint(hints[0]!);
    const [claim] = await journal.claimRuns({
      owner: "probe",
      limit: 1,
      leaseMs: 1_000,
      workflowNames: ["hint.none"],
    });
    expect(hint).toMatchObject({
      runId: run.runId,
      inboxId: claim!.inbox[0]!.id,
      event: { kind: "signal_received", name: "small", payload: { n: 1 } },
    });
    expect(hint?.runVersion).toMatch(/^[0-9]+$/);
    expect(claim!.inbox.map((item) => item.event.kind === "signal_received" && item.event.name)).toEqual([
      "small",
      "large",
    ]);
    expect(parseInboxHint("{not json")).toBeUndefined();
    expect(
      parseInboxHint(JSON.stringify({ run: "r", id: "1", v: "2", kind: "signal_received", body: {} })),
    ).toBeUndefined();
  });

  it("a burst of signals from several senders: each delivered once, in the order of the history, none lost", async () => {
    const { journal } = await open();
    const engine = createEngine({ journal, workflows: [collect], pollIntervalMs: 200 });
    engines.push(engine);
    engine.start();
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
