import { DBOS } from "@dbos-inc/dbos-sdk";
import type { PeerDriver } from "../case.ts";
import { delay, withDeadline } from "../support/closed-loop.ts";
import { createDatabase, type BenchDatabase } from "../support/database.ts";
import {
  longHistoryMetrics,
  measureLatency,
  measureThroughput,
  wakeupMetrics,
  type OpenThreeStep,
} from "./three-step.ts";

// DBOS Transact is a process-wide singleton: every case runs in its own process, registers its
// functions, launches on a fresh system database, and shuts down. Settings are the documented
// defaults (system database pool of 10, LISTEN/NOTIFY on) except the log level.

const stepTimes: number[] = [];
const waiting = new Map<number, number>();
const resumed = new Map<number, number>();

const noop = DBOS.registerStep(async (i: number) => i, { name: "noop" });
const tick = DBOS.registerStep(
  async (i: number) => {
    stepTimes.push(performance.now());
    return i;
  },
  { name: "tick" },
);

const threeStep = DBOS.registerWorkflow(
  async (i: number) => {
    await noop(i);
    await noop(i);
    return noop(i);
  },
  { name: "threeStep" },
);

const longLoop = DBOS.registerWorkflow(
  async (steps: number) => {
    let sum = 0;
    for (let i = 0; i < steps; i += 1) sum += await tick(i);
    return sum;
  },
  { name: "longLoop" },
);

const waitLoop = DBOS.registerWorkflow(
  async (count: number) => {
    for (let k = 0; k < count; k += 1) {
      if (!waiting.has(k)) waiting.set(k, performance.now());
      const got = await DBOS.recv<number>("go", 120);
      if (got === null) throw new Error(`recv ${k} timed out`);
      if (!resumed.has(k)) resumed.set(k, performance.now());
    }
    return count;
  },
  { name: "waitLoop" },
);

const fanout = DBOS.registerWorkflow(
  async (width: number) => {
    const results = await Promise.all(Array.from({ length: width }, (_, i) => noop(i)));
    return results.length;
  },
  { name: "fanout" },
);

async function launch(db: BenchDatabase): Promise<void> {
  DBOS.setConfig({ name: "continuum-bench", systemDatabaseUrl: db.url, logLevel: "error" });
  await DBOS.launch();
}

async function withDbos<T>(scenario: string, body: () => Promise<T>): Promise<T> {
  const db = await createDatabase("dbos", scenario);
  try {
    await launch(db);
    try {
      return await body();
    } finally {
      await DBOS.shutdown();
    }
  } finally {
    await db.drop();
  }
}

const openThreeStep: OpenThreeStep = async (db) => {
  if (db === undefined) throw new Error("DBOS needs a PostgreSQL database");
  await launch(db);
  return {
    async runOne(i) {
      const handle = await DBOS.startWorkflow(threeStep)(i);
      await handle.getResult();
    },
    close: () => DBOS.shutdown(),
  };
};

async function withFreshDb<T>(scenario: string, body: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createDatabase("dbos", scenario);
  try {
    return await body(db);
  } finally {
    await db.drop();
  }
}

/** DBOS Transact: in-process workflows whose steps are checkpointed to its system database. */
export const dbosDriver: PeerDriver = {
  throughput: (p) =>
    withFreshDb("throughput", (db) =>
      measureThroughput(db, openThreeStep, p.n as number, p.concurrency as number),
    ),
  latency: (p) => withFreshDb("latency", (db) => measureLatency(db, openThreeStep, p.runs as number)),
  "long-history": (p) =>
    withDbos("long", async () => {
      const warm = await DBOS.startWorkflow(longLoop)(Math.min(200, Math.ceil((p.steps as number) / 5)));
      await warm.getResult();
      stepTimes.length = 0;
      const t0 = performance.now();
      const handle = await DBOS.startWorkflow(longLoop)(p.steps as number);
      await withDeadline(handle.getResult(), 20 * 60_000, "long-history run");
      return longHistoryMetrics(stepTimes, t0, performance.now());
    }),
  wakeup: (p) =>
    withDbos("wakeup", async () => {
      const count = p.signals as number;
      const warm = 5;
      const handle = await DBOS.startWorkflow(waitLoop)(count + warm);
      const samples: number[] = [];
      for (let k = 0; k < count + warm; k += 1) {
        await withDeadline(
          (async () => {
            while (!waiting.has(k)) await delay(1);
          })(),
          60_000,
          `wait ${k}`,
        );
        await delay(20); // the same settle time Continuum gets before the signal
        const t0 = performance.now();
        await DBOS.send(handle.workflowID, k, "go");
        await withDeadline(
          (async () => {
            while (!resumed.has(k)) await delay(0);
          })(),
          30_000,
          `resume ${k}`,
        );
        if (k >= warm) samples.push((resumed.get(k) as number) - t0);
      }
      await handle.getResult();
      return wakeupMetrics(samples);
    }),
  fanout: (p) =>
    withDbos("fanout", async () => {
      const width = p.width as number;
      const t0 = performance.now();
      const handle = await DBOS.startWorkflow(fanout)(width);
      await withDeadline(handle.getResult(), 10 * 60_000, "fan-out run");
      const ms = performance.now() - t0;
      return { totalMs: ms, activitiesPerSec: (width * 1000) / ms };
    }),
};
