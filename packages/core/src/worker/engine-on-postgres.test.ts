import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journal } from "../journal/journal.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { activity, defineActivity, signal, sleep, workflow } from "../workflow/index.ts";
import { createClient } from "../client/create-client.ts";
import { createEngine, type Engine } from "./create-engine.ts";

// The engine against the real server: two engines, each with its own connection pool (two
// processes as far as PostgreSQL can tell), share runs and tasks through leases and SKIP LOCKED.
let database: ServerDatabase;
const journals: Journal[] = [];
const engines: Engine[] = [];

beforeAll(async () => {
  database = await createServerDatabase("engine");
});
afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
  await Promise.all(journals.map((journal) => journal.close()));
  await database.drop();
});

async function open(migrate = false): Promise<Journal> {
  const journal = await openJournal({ url: database.url, migrate });
  journals.push(journal);
  return journal;
}

const effects = new Map<string, number>();
const touch = defineActivity(
  "touch",
  async (key: string) => {
    effects.set(key, (effects.get(key) ?? 0) + 1);
    return key.toUpperCase();
  },
  { retry: { initialIntervalMs: 50 } },
);
const stamp = {
  format: 1,
  versionHash: "pg-flow",
  cursors: [],
  file: "test/pg.workflow.ts",
  line: 1,
} as const;
const flow = workflow.stamped(stamp)("pg-flow", { version: 1 }, async (id: string) => {
  const first = await activity.at("activity:touch#0")(touch, `${id}-a`);
  await sleep.at("sleep:#0")(20);
  const answer = await signal.at("signal:answer#0")<string>("answer", { timeout: 60_000 });
  const second = await activity.at("activity:touch#1")(touch, `${id}-b`);
  return `${first}/${String(answer)}/${second}`;
});

describe("engine on PostgreSQL", () => {
  it("two engines complete every run exactly once between them, signals and timers included", async () => {
    const clientJournal = await open(true);
    for (const owner of ["pg-a", "pg-b"]) {
      const engine = createEngine({
        journal: await open(),
        workflows: [flow],
        activities: [touch],
        owner,
        pollIntervalMs: 100,
        concurrency: { workflows: 4, activities: 4 },
      });
      engines.push(engine);
      engine.start();
    }
    const committedBy = new Map<string, number>();
    for (const engine of engines)
      engine.events.on("step.committed", () =>
        committedBy.set(engine.owner, (committedBy.get(engine.owner) ?? 0) + 1),
      );

    const client = createClient({ journal: clientJournal, pollIntervalMs: 100 });
    const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const runs = await Promise.all(ids.map((id) => client.start(flow, id, { id: `pg-${id}` })));
    await Promise.all(runs.map((run, i) => client.signal(run.runId, "answer", `ok${i}`)));
    const results = await Promise.all(runs.map((run) => run.result({ timeoutMs: 30_000 })));

    expect(results).toEqual(ids.map((id, i) => `${id.toUpperCase()}-A/ok${i}/${id.toUpperCase()}-B`));
    expect(effects.size).toBe(24);
    expect([...effects.values()].every((count) => count === 1)).toBe(true);
    expect([...committedBy.keys()].sort()).toEqual(["pg-a", "pg-b"]);
    const history = await client.history(runs[0]!.runId);
    expect(history.map((event) => event.kind)).toContain("timer_fired");
    expect(history.at(-1)?.kind).toBe("run_completed");
  });
});
