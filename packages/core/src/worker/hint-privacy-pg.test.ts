import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal } from "../journal/journal.ts";
import { NotifyTopic } from "../journal/notifier.ts";
import { openJournal } from "../journal/open-journal.ts";
import { channelName } from "../journal/sql/instance-schema.ts";
import {
  createServerDatabase,
  serverUrl,
  type ServerDatabase,
} from "../journal/sql/test-support/sql-test-databases.ts";
import { activity, child, defineActivity, signal, sleep, workflow } from "../workflow/index.ts";
import { defineQueue } from "../queue/define-queue.ts";
import { createEngine, type Engine } from "./create-engine.ts";

// PostgreSQL checks no privilege on LISTEN: a role that may connect but may not read the
// continuum schema hears every NOTIFY on every channel it names. What it hears must therefore
// be ids and versions only. This test is that role.

const file = "packages/core/src/worker/hint-privacy-pg.test.ts";
const stamp = (versionHash: string, line: number) =>
  ({ format: 1, versionHash, cursors: [], file, line }) as const;

const secrets = {
  card: "4111-1111-1111-1111",
  cvv: "cvv-737-secret",
  email: "alice.secret@example.com",
  result: "receipt-for-alice-9f8e7d",
  childInput: "child-input-zq47",
  activityArg: "activity-arg-kx93",
  cancelReason: "cancel-reason-mm21",
};
const flaky = new Set<string>();

const charge = defineActivity(
  "privacy.charge",
  async (arg: string) => {
    // Fails once per argument: the retry goes back through the task queue (task_ready).
    if (!flaky.has(arg)) {
      flaky.add(arg);
      throw new Error(`declined ${arg}`);
    }
    return `${secrets.result}:${arg}`;
  },
  { retry: { initialIntervalMs: 1, maxIntervalMs: 1 } },
);

const leaf = workflow.stamped(stamp("privacy-leaf", 49))(
  "privacy.leaf",
  { version: 1 },
  async (input: string) => `${input}:done`,
);

const payment = workflow.stamped(stamp("privacy-payment", 55))(
  "privacy.payment",
  { version: 1 },
  async (input: { email: string; arg: string }) => {
    const receipt = await activity.at("activity:privacy.charge#0")(charge, input.arg);
    await sleep.at("sleep:#0")(5);
    const card = await signal.at("signal:card#0")<{ card: string; cvv: string; pad: string }>("card");
    const fromChild = await child.at("child:privacy.leaf#0")(leaf, secrets.childInput);
    return { receipt, card: card.card, fromChild, email: input.email };
  },
);

const waiter = workflow.stamped(stamp("privacy-waiter", 68))(
  "privacy.waiter",
  { version: 1 },
  async (_input: { email: string }) => await signal.at("signal:never#0")<string>("never"),
);

/** ids and versions only: a UUID (run or task id), or for run_inbox `<uuid>:<item id>:<row version>`. */
const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const allowed: Record<NotifyTopic, RegExp> = {
  [NotifyTopic.runReady]: new RegExp(`^${uuid}$`),
  [NotifyTopic.runQueued]: new RegExp(`^${uuid}$`),
  [NotifyTopic.taskReady]: new RegExp(`^${uuid}$`),
  [NotifyTopic.runFinished]: new RegExp(`^${uuid}$`),
  [NotifyTopic.timerSet]: new RegExp(`^${uuid}$`),
  [NotifyTopic.runInbox]: new RegExp(`^${uuid}:[0-9]+:[0-9]+$`),
};

describe("what a role without privileges hears on the notification channels (PostgreSQL)", () => {
  let database: ServerDatabase;
  const role = `ctm_listener_${process.pid}_${randomBytes(4).toString("hex")}`;
  const journals: Journal[] = [];
  const engines: Engine[] = [];
  let listener: pg.Client | undefined;

  const admin = async (statement: string, url = serverUrl): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await client.query(statement);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createServerDatabase("hint_privacy");
    await admin(`CREATE ROLE ${role} LOGIN`);
    await admin(`GRANT CONNECT ON DATABASE ${database.name} TO ${role}`);
  });
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
    await Promise.all(journals.map((journal) => journal.close()));
    await listener?.end().catch(() => undefined);
    await database?.drop();
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it("hears ids and versions only, never a signal, an input, a result or a workflow id", async () => {
    const journal = await openJournal({ url: database.url, migrate: true });
    journals.push(journal);

    // The role can connect, and cannot read a single table of the journal.
    const roleUrl = new URL(database.url);
    roleUrl.username = role;
    roleUrl.password = "";
    listener = new pg.Client({ connectionString: roleUrl.toString() });
    await listener.connect();
    const tables = await admin(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'continuum' ORDER BY tablename",
      database.url,
    );
    expect(tables.rows.length).toBeGreaterThan(5);
    for (const { tablename } of tables.rows as Array<{ tablename: string }>) {
      await expect(listener.query(`SELECT * FROM continuum.${tablename} LIMIT 1`)).rejects.toMatchObject({
        code: "42501", // insufficient_privilege
      });
    }

    // It listens on every channel the journal has (derived from the topic set, so a new topic is covered).
    const heard: Array<{ channel: string; payload: string }> = [];
    listener.on("notification", (message) =>
      heard.push({ channel: message.channel, payload: message.payload ?? "" }),
    );
    const topics = Object.values(NotifyTopic);
    for (const topic of topics) await listener.query(`LISTEN ${channelName(topic)}`);

    // An engine without sticky activities (tasks go through the queue), a client in another "process".
    const engine = createEngine({
      journal,
      workflows: [payment, leaf, waiter],
      activities: [charge],
      stickyActivities: false,
      pollIntervalMs: 50,
    });
    engines.push(engine);
    engine.start();
    const senderJournal = await openJournal({ url: database.url });
    journals.push(senderJournal);
    const client = createClient({ journal: senderJournal, pollIntervalMs: 20 });

    const workflowIds = [0, 1, 2].map((i) => `${secrets.email}#${i}`);
    const runs = await Promise.all(
      workflowIds.map((id, i) =>
        client.start(payment, { email: secrets.email, arg: `${secrets.activityArg}${i}` }, { id }),
      ),
    );
    // Queued (no engine serves the queue: it stays queued until cancelled), for run_queued.
    const waiting = await client.start(
      waiter,
      { email: secrets.email },
      { id: `${secrets.email}#wait`, queue: defineQueue("privacy.queue") },
    );
    for (const [i, run] of runs.entries()) {
      // A small body, and one well over the 8,000 bytes a NOTIFY payload may hold.
      const pad = i === 2 ? "p".repeat(12_000) : "";
      await client.signal(run.runId, "card", { card: secrets.card, cvv: secrets.cvv, pad });
    }
    const results = await Promise.all(runs.map((run) => run.result({ timeoutMs: 30_000 })));
    expect(results.map((result) => result.card)).toEqual([secrets.card, secrets.card, secrets.card]);
    await client.cancel(waiting.runId, secrets.cancelReason);
    await expect(waiting.result({ timeoutMs: 30_000 })).rejects.toBeDefined();

    // Every run's end is heard (hints follow their commits), so nothing is still on its way.
    const all = [...runs, waiting].map((run) => run.runId);
    while (
      !all.every((id) =>
        heard.some((h) => h.channel === channelName(NotifyTopic.runFinished) && h.payload === id),
      )
    )
      await new Promise((resolve) => setTimeout(resolve, 10));

    // Every channel carried something, each payload has its channel's shape and nothing else.
    for (const topic of topics) expect(heard.some((h) => h.channel === channelName(topic))).toBe(true);
    const byChannel = new Map(topics.map((topic) => [channelName(topic), allowed[topic]]));
    for (const { channel, payload } of heard) expect(payload).toMatch(byChannel.get(channel)!);
    // A fragment of the card, long enough that a random run id (hex) cannot hold it by chance:
    // "4111" alone turned up inside a UUID about once in twenty runs.
    const forbidden = [...Object.values(secrets), ...workflowIds, "privacy.", "4111-1111", "alice"];
    for (const { payload } of heard) for (const word of forbidden) expect(payload).not.toContain(word);
    expect(heard.length).toBeGreaterThan(topics.length);
  });
});
