import { fileURLToPath } from "node:url";
import { createClient, openJournal, type Journal } from "@continuum/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { closeSagaPool, tripSaga } from "./saga-workflows.ts";

// Sagas under SIGKILL: real engine processes run trips that reserve items, fail at the final
// payment and compensate every reservation (LIFO), while a driver kills engines in the middle of
// the compensation chains. In the end every compensation ran exactly once per run: one
// completion in each journal, one effect row per (run, identity), in reverse order of booking.

const runs = Number(process.env.SAGA_RUNS ?? 40);
const items = 4;
const chaosMs = Number(process.env.SAGA_CHAOS_MS ?? 6_000);
const engineScript = fileURLToPath(new URL("./saga-engine-process.ts", import.meta.url));

describe("compensation chains survive SIGKILL", () => {
  let database: TestDatabase;
  let journal: Journal;
  let sql: pg.Pool;
  const engines: ManagedProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("saga_crash");
    journal = await openJournal({ url: database.url, migrate: true });
    sql = new pg.Pool({ connectionString: database.url });
    await sql.query(
      "CREATE TABLE saga_attempts (run_id text NOT NULL, identity text NOT NULL, item int NOT NULL, attempt int NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())",
    );
    await sql.query(
      "CREATE TABLE saga_effects (run_id text NOT NULL, identity text NOT NULL, trip text NOT NULL, item int NOT NULL, pid int NOT NULL, PRIMARY KEY (run_id, identity))",
    );
  });

  afterAll(async () => {
    for (const engine of engines) engine.signal("SIGKILL");
    await Promise.all(engines.map((engine) => engine.exited));
    await sql?.end();
    await closeSagaPool();
    await journal?.close();
    await database?.drop();
  });

  it(`${runs} trips of ${items} reservations each compensate exactly once while engines are killed`, async () => {
    const env = { DATABASE_URL: database.url, LEASE_MS: "1000", WORKFLOWS: "trip" };
    const launch = () => {
      const engine = startNodeProcess(engineScript, env);
      engines.push(engine);
      return engine;
    };
    const live = new Set<ManagedProcess>([launch(), launch()]);
    await Promise.all([...live].map((engine) => engine.waitForLine(/^READY/)));

    const client = createClient({ journal, pollIntervalMs: 100 });
    const handles: Awaited<ReturnType<typeof client.start<typeof tripSaga>>>[] = [];
    for (let i = 0; i < runs; i += 1)
      handles.push(await client.start(tripSaga, { trip: `t${i}`, items }, { id: `trip-${i}` }));

    // Kill an engine once compensations are under way, then every 400-800 ms, replacing it.
    const started = Date.now();
    while (
      (await sql.query("SELECT 1 FROM saga_attempts LIMIT 1")).rowCount === 0 &&
      Date.now() - started < 20_000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    let kills = 0;
    let killedMidChain = 0;
    const chaosEnd = Date.now() + chaosMs;
    while (Date.now() < chaosEnd) {
      const victim = [...live][kills % live.size];
      if (victim === undefined) break;
      const inFlight = await sql.query<{ n: string }>(`
        SELECT count(*)::text AS n FROM (SELECT run_id FROM saga_effects GROUP BY run_id HAVING count(*) < ${items}) partial`);
      if (Number(inFlight.rows[0]?.n) > 0) killedMidChain += 1;
      victim.signal("SIGKILL");
      await victim.exited;
      live.delete(victim);
      kills += 1;
      live.add(launch());
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 400)));
    }

    const results = await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 120_000 })));
    expect(results).toEqual(handles.map(() => "rolled back"));

    for (const handle of handles) {
      const history = await client.history(handle.runId);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
      // Each compensation scheduled once and completed once, most recent reservation first.
      const undo = history.filter(
        (e) => e.kind === "activity_scheduled" && e.activityName === "saga.release",
      );
      expect(undo.map((e) => (e.kind === "activity_scheduled" ? e.args : null))).toEqual(
        [3, 2, 1, 0].map((item) => [`t${handles.indexOf(handle)}`, item]),
      );
      const completed = history.filter(
        (e) => e.kind === "activity_completed" && e.identity.startsWith("compensateAll:"),
      );
      expect(completed.map((e) => ("identity" in e ? e.identity : ""))).toEqual([
        "compensateAll:#0@0",
        "compensateAll:#0@1",
        "compensateAll:#0@2",
        "compensateAll:#0@3",
      ]);
    }
    const effects = await sql.query<{ run_id: string; n: string }>(
      "SELECT run_id, count(*)::text AS n FROM saga_effects GROUP BY run_id",
    );
    expect(effects.rows).toHaveLength(runs);
    expect(effects.rows.every((row) => Number(row.n) === items)).toBe(true);
    const attempts = await sql.query<{ total: string; repeated: string }>(`
      SELECT sum(n)::text AS total, count(*) FILTER (WHERE n > 1)::text AS repeated
      FROM (SELECT run_id, identity, count(*) AS n FROM saga_attempts GROUP BY run_id, identity) per_compensation`);
    console.log(
      `saga crash test: ${runs} runs x ${items} compensations, ${kills} SIGKILLs (${killedMidChain} with compensation chains half done); ` +
        `${attempts.rows[0]?.total} compensation attempts, ${attempts.rows[0]?.repeated} compensations attempted more than once, effects exactly ${runs * items}`,
    );
    expect(kills).toBeGreaterThan(3);
    expect(killedMidChain).toBeGreaterThan(0);
  }, 180_000);
});
