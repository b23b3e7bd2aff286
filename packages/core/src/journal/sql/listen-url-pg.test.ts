import { createServer, connect, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Journal } from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { openJournal } from "../open-journal.ts";
import { channelName } from "./instance-schema.ts";
import { createServerDatabase, type ServerDatabase } from "./test-support/sql-test-databases.ts";

// `openJournal({ url, listenUrl })`: behind a pooler in transaction mode (PgBouncer), `url` goes
// to the pooler and the LISTEN connection must go straight to the server. A TCP forwarder
// stands in for the pooler here and records what the client sends through it.

/** Forwards to the server and keeps every byte clients sent through it. */
interface Forwarder {
  readonly url: string;
  sent(): string;
  close(): Promise<void>;
}

async function forwarderTo(target: string): Promise<Forwarder> {
  const upstream = new URL(target);
  let sent = "";
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const backend = connect({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    sockets.add(client).add(backend);
    client.on("data", (chunk: Buffer) => (sent += chunk.toString("latin1")));
    client.pipe(backend).pipe(client);
    const end = (): void => {
      client.destroy();
      backend.destroy();
    };
    client.on("error", end).on("close", end);
    backend.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    sent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let database: ServerDatabase;
let admin: pg.Client;
beforeAll(async () => {
  database = await createServerDatabase("listen_url");
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/** Waits for a condition (no wall-clock limit of its own: the runner's timeout catches a hang). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Opens a journal through a forwarder, subscribes to a hint and has one sent; what went through the forwarder. */
async function hintThroughForwarder(
  listenUrl: string | undefined,
): Promise<{ sent: string; hinted: string[] }> {
  const forwarder = await forwarderTo(database.url);
  let journal: Journal | undefined;
  try {
    journal = await openJournal({
      url: forwarder.url,
      migrate: true,
      ...(listenUrl === undefined ? {} : { listenUrl }),
    });
    const hinted: string[] = [];
    journal.notifier.subscribe(NotifyTopic.runReady, (id) => hinted.push(id));
    // The hint is sent until the (asynchronous) LISTEN has taken effect and the hint arrived.
    const token = `run-${Math.random().toString(36).slice(2)}`;
    while (!hinted.includes(token)) {
      await admin.query("SELECT pg_notify($1, $2)", [channelName(NotifyTopic.runReady), token]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The journal's statements themselves went through the forwarder either way.
    await journal.listRuns({ limit: 1 });
    await until(() => forwarder.sent().includes("runs"));
    return { sent: forwarder.sent(), hinted };
  } finally {
    await journal?.close();
    await forwarder.close();
  }
}

it("sends LISTEN over listenUrl, and everything else over url", async () => {
  const { sent, hinted } = await hintThroughForwarder(database.url);
  expect(hinted.length).toBeGreaterThan(0);
  expect(sent).not.toContain("LISTEN");
});

it("sends LISTEN over url when listenUrl is not given", async () => {
  const { sent } = await hintThroughForwarder(undefined);
  expect(sent).toContain(`LISTEN "${channelName(NotifyTopic.runReady)}"`);
});

it("refuses a listenUrl that is not a PostgreSQL connection string", async () => {
  await expect(openJournal({ url: database.url, listenUrl: "db.internal:5432" })).rejects.toMatchObject({
    code: "CTM_INVALID_CONNECTION_STRING",
  });
});
