// A real engine process on an embedded data directory (DATA_DIR): starts one stallFlow run,
// leased to this engine for an hour, and prints `STARTED <runId>`; the test SIGKILLs it while
// the run's first activity attempt hangs.
import { createClient, createEngine, openJournal } from "@continuum/core";
import { hourMs, stallFlow, stallOnce } from "./embedded-workflows.ts";

const journal = await openJournal({ dataDir: process.env.DATA_DIR });
const engine = createEngine({
  journal,
  workflows: [stallFlow],
  activities: [stallOnce],
  owner: `engine-${process.pid}`,
  leaseMs: hourMs,
});
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.start();
const client = createClient({ journal, engine });
const handle = await client.start(stallFlow, undefined, { id: "stall-1" });
process.stdout.write(`STARTED ${handle.runId}\n`);
