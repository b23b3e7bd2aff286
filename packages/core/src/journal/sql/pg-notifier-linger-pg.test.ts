import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { NotifyTopic } from "../notifier.ts";
import { createPgNotifier } from "./pg-notifier.ts";
import { channelName } from "./instance-schema.ts";
import { createServerDatabase, type ServerDatabase } from "./test-support/sql-test-databases.ts";

let database: ServerDatabase;
let admin: pg.Client;
beforeAll(async () => {
  database = await createServerDatabase("pg_notifier_linger");
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/** Waits for a condition (no wall-clock limit of its own: the runner's timeout catches a hang). */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

it("keeps a topic LISTENed for lingerMs after its last subscriber left, then UNLISTENs it", async () => {
  const applicationName = `ctm_linger_${process.pid}`;
  const notifier = createPgNotifier({
    connection: { connectionString: database.url, application_name: applicationName },
    lingerMs: 200,
  });
  // What the notifier's own connection last sent, and when (pg_stat_activity, seen from outside).
  const last = async (): Promise<{ query: string; at: string } | undefined> =>
    (
      await admin.query<{ query: string; at: string }>(
        "SELECT query, query_start::text AS at FROM pg_stat_activity WHERE application_name = $1",
        [applicationName],
      )
    ).rows[0];
  const channel = channelName(NotifyTopic.runFinished);
  const seen: string[] = [];
  let stop = notifier.subscribe(NotifyTopic.runFinished, (id) => seen.push(id));
  await notifier.listening();
  const listened = await last();
  expect(listened?.query).toBe(`LISTEN "${channel}"`);

  // A result() after another: unsubscribe and subscribe again within the linger sends nothing,
  // and hints still arrive.
  stop();
  stop = notifier.subscribe(NotifyTopic.runFinished, (id) => seen.push(id));
  await notifier.listening();
  expect(await last()).toEqual(listened);
  await admin.query("SELECT pg_notify($1, 'a')", [channel]);
  await until(() => seen.includes("a"));

  // Once the linger has passed with no subscriber, the topic is UNLISTENed...
  stop();
  await until(async () => (await last())?.query === `UNLISTEN "${channel}"`);
  // ...and a new subscriber LISTENs it again.
  notifier.subscribe(NotifyTopic.runFinished, (id) => seen.push(id));
  await notifier.listening();
  expect((await last())?.query).toBe(`LISTEN "${channel}"`);
  await admin.query("SELECT pg_notify($1, 'b')", [channel]);
  await until(() => seen.includes("b"));
  await notifier.close();
});
