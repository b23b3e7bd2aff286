// A real engine process for the crash and fencing suites: started with plain node, killed with
// real signals. Prints one line per event the drivers wait for.
import { createClient, createEngine, openJournal } from "@continuum/core";
import {
  crashFlow,
  crashFlowPlain,
  crashStep,
  crashStepPlain,
  fenceFlow,
  fenceStep,
} from "./crash-workflows.ts";

const leaseMs = Number(process.env.LEASE_MS ?? 1_500);
const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows: [crashFlow, crashFlowPlain, fenceFlow],
  activities: [crashStep, crashStepPlain, fenceStep],
  owner: `engine-${process.pid}`,
  leaseMs,
  pollIntervalMs: 100,
  // SLOTS: the engine's workflow and activity slots (default 8 and 16); many runs stepping at
  // once is what makes the journal group their steps into one statement.
  concurrency: {
    workflows: Number(process.env.SLOTS ?? 8),
    activities: Number(process.env.SLOTS ?? 16),
  },
});
engine.events.on("lease.lost", (event) =>
  process.stdout.write(`LEASE_LOST ${event.runId} ${event.during}\n`),
);
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.start();
process.stdout.write(`READY ${process.pid}\n`);

// Eager starter (START_RUNS=n): this process starts runs through a client bound to its engine,
// so each is created leased to it and stepped here at once, one every START_EVERY_MS. With
// START_FRESH=1 the runs have no workflow id and no journal idempotency key: each is inserted
// together with its first step. START_PARALLEL=k starts k at a time (then waits START_EVERY_MS).
const startRuns = Number(process.env.START_RUNS ?? 0);
if (startRuns > 0) {
  const client = createClient({ journal, engine });
  const fresh = process.env.START_FRESH === "1";
  const parallel = Number(process.env.START_PARALLEL ?? 1);
  const startOne = async (i: number) => {
    const run = fresh
      ? await client.start(crashFlowPlain, { key: `fresh${i}`, steps: 5 })
      : await client.start(crashFlow, { key: `eager${i}`, steps: 5 }, { id: `eager-${i}` });
    process.stdout.write(`STARTED ${i} ${run.runId}\n`);
  };
  for (let i = 0; i < startRuns; i += parallel) {
    const wave = [];
    for (let j = i; j < Math.min(i + parallel, startRuns); j += 1) wave.push(startOne(j));
    await Promise.all(wave);
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.START_EVERY_MS ?? 10)));
  }
}

process.on("SIGTERM", () => {
  void engine
    .stop({ graceful: true })
    .then(() => journal.close())
    .then(() => process.exit(0));
});
