import { activity, activityContext, compensateAll, defineActivity, signal, workflow } from "@continuum/core";
import pg from "pg";

// Workflows of the composition suites that run in real engine processes (plain node, so they
// are hand-stamped: transformer/SPEC.md section 1). Effects go to tables of the suite's database.

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
pool.on("error", () => {});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Books one item of a trip. */
export const reserve = defineActivity(
  "saga.reserve",
  async (trip: string, item: number) => `${trip}/${item}`,
  // Engines are killed every 300-900 ms: an attempt can be abandoned by several dying engines in a
  // row on a busy machine. Running out of attempts is not what this suite tests, compensation is.
  { retry: { maxAttempts: 50, initialIntervalMs: 50, maxIntervalMs: 500 }, timeoutMs: 5_000 },
);

/** The last step of every trip: fails for good, so the saga compensates. */
export const payFinal = defineActivity(
  "saga.payFinal",
  async (trip: string): Promise<string> => {
    throw new Error(`card declined for ${trip}`);
  },
  { retry: { maxAttempts: 1 }, timeoutMs: 5_000 },
);

/**
 * The compensation. Every attempt is logged; the effect is written once per (run, identity): the
 * idempotent-activity pattern that turns at-least-once attempts into exactly-once effects. It
 * takes a while, so that SIGKILLs land in the middle of compensation chains.
 */
export const release = defineActivity(
  "saga.release",
  async (trip: string, item: number): Promise<string> => {
    const { runId, identity, attempt } = activityContext();
    await pool.query(
      "INSERT INTO saga_attempts (run_id, identity, item, attempt, pid) VALUES ($1, $2, $3, $4, $5)",
      [runId, identity, item, attempt, process.pid],
    );
    await pause(40 + Math.floor(Math.random() * 80));
    await pool.query(
      "INSERT INTO saga_effects (run_id, identity, trip, item, pid) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
      [runId, identity, trip, item, process.pid],
    );
    return `released ${trip}/${item}`;
  },
  { retry: { maxAttempts: 50, initialIntervalMs: 50, maxIntervalMs: 500 }, timeoutMs: 2_000 },
);

/** Reserves `items` items, fails at the final payment, and releases them all, most recent first. */
export const tripSaga = workflow.stamped({
  format: 1,
  versionHash: "tripsaga00000001",
  cursors: ["activity:reserve#0", "activity:payFinal#0", "compensateAll:#0"],
  file: "tests/composition/saga-workflows.ts",
  line: 42,
})("saga.trip", { version: 1 }, async ({ trip, items }: { trip: string; items: number }) => {
  for (let item = 0; item < items; item += 1) {
    await activity.at("activity:reserve#0")(reserve, trip, item, { compensate: [release, trip, item] });
  }
  try {
    await activity.at("activity:payFinal#0")(payFinal, trip);
    return "paid";
  } catch {
    await compensateAll.at("compensateAll:#0")();
    return "rolled back";
  }
});

/** One step of the deploy flow; the label says which version ran it. */
export const deployStep = defineActivity("deploy.step", async (label: string) => label, { timeoutMs: 5_000 });

/** Version 1 of the deploy flow: a step, a signal, a step. */
export const deployV1 = workflow.stamped({
  format: 1,
  versionHash: "deployflow000001",
  cursors: ["activity:deployStep#0", "signal:go#0", "activity:deployStep#1"],
  file: "tests/composition/saga-workflows.ts",
  line: 65,
})("deploy.flow", { version: 1 }, async ({ id }: { id: string }) => {
  const first = await activity.at("activity:deployStep#0")(deployStep, `v1:${id}:a`);
  await signal.at("signal:go#0")<string>("go");
  const second = await activity.at("activity:deployStep#1")(deployStep, `v1:${id}:b`);
  return `${first}+${second}`;
});

/** Version 2: an extra step before the signal (v1 histories would drift on it). */
export const deployV2 = workflow.stamped({
  format: 1,
  versionHash: "deployflow000002",
  cursors: ["activity:deployStep#0", "activity:deployStep#2", "signal:go#0", "activity:deployStep#1"],
  file: "tests/composition/saga-workflows.ts",
  line: 79,
})("deploy.flow", { version: 2 }, async ({ id }: { id: string }) => {
  const first = await activity.at("activity:deployStep#0")(deployStep, `v2:${id}:a`);
  const extra = await activity.at("activity:deployStep#2")(deployStep, `v2:${id}:extra`);
  await signal.at("signal:go#0")<string>("go");
  const second = await activity.at("activity:deployStep#1")(deployStep, `v2:${id}:b`);
  return `${first}+${extra}+${second}`;
});

/** Closes the pool the activities use. */
export async function closeSagaPool(): Promise<void> {
  await pool.end();
}
