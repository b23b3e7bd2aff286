// A real engine process for the fan-out crash suite: started with plain node, killed with
// SIGKILL. Prints READY once it polls.
import { createEngine, openJournal } from "@continuum/core";
import { fanOutFlow, leafFlow } from "./composition-workflows.ts";

const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows: [fanOutFlow, leafFlow],
  owner: `engine-${process.pid}`,
  leaseMs: Number(process.env.LEASE_MS ?? 1_500),
  pollIntervalMs: 50,
  concurrency: { workflows: 16, activities: 4 },
});
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.start();
process.stdout.write(`READY ${process.pid}\n`);
