import {
  createClient,
  createEngine,
  openJournal,
  type Client,
  type Engine,
  type Journal,
} from "@continuum/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.ts";
import { resilienceFlow, resilienceStep } from "./resilience-workflows.ts";

// The database goes away under a running engine: first only the LISTEN connection (killed by
// the server), then the whole server (restarted). Polling is the source of truth, so every run
// must still complete, with a gap-free journal. A private cluster is used so that restarting
// it does not disturb the suites that share the main server.

const runs = 20;

/** Retries an operation that may hit a connection the restart broke: what a caller would do. */
async function retrying<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function waitUntilAllWaitForSignal(client: Client, runIds: readonly string[]): Promise<void> {
  // No deadline: a busy machine may take long, and the runner's timeout catches a hang.
  for (;;) {
    const histories = await Promise.all(runIds.map((id) => client.history(id)));
    if (histories.every((h) => h.some((event) => event.kind === "signal_wait_started"))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("database outages under a running engine", () => {
  let server: PrivatePostgres;
  let journal: Journal;
  let engine: Engine;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    journal = await openJournal({ url: server.url, migrate: true });
    engine = createEngine({
      journal,
      workflows: [resilienceFlow],
      activities: [resilienceStep],
      leaseMs: 2_000,
      pollIntervalMs: 200,
    });
    engine.start();
  });

  afterAll(async () => {
    await engine?.stop({ graceful: false });
    await journal?.close();
    server?.destroy();
  });

  it("completes every run after the LISTEN connection is killed and the server restarts", async () => {
    const client = createClient({ journal, pollIntervalMs: 200 });
    const handles = await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        client.start(resilienceFlow, { label: `r${i}` }, { id: `res-${i}` }),
      ),
    );
    await waitUntilAllWaitForSignal(
      client,
      handles.map((h) => h.runId),
    );

    // 1. The server kills the engine's LISTEN connection; hints stop until it reconnects.
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'continuum-listen'",
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    const firstHalf = handles.slice(0, runs / 2);
    for (const handle of firstHalf) await client.signal(handle.runId, "go", "after-listen-kill");
    const firstResults = await Promise.all(firstHalf.map((h) => h.result({ timeoutMs: 30_000 })));

    // 2. The whole server restarts while the other half waits; signals are sent right after.
    server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    server.start();
    const secondHalf = handles.slice(runs / 2);
    for (const handle of secondHalf) await retrying(() => client.signal(handle.runId, "go", "after-restart"));
    const secondResults = await Promise.all(
      secondHalf.map((h) => retrying(() => h.result({ timeoutMs: 30_000 }))),
    );

    expect(firstResults).toEqual(firstHalf.map((_, i) => [`r${i}:1`, "after-listen-kill", `r${i}:2`]));
    expect(secondResults).toEqual(
      secondHalf.map((_, i) => [`r${i + runs / 2}:1`, "after-restart", `r${i + runs / 2}:2`]),
    );
    for (const handle of handles) {
      const history = await client.history(handle.runId);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
      expect(history.at(-1)?.kind).toBe("run_completed");
    }
  }, 120_000);
});
