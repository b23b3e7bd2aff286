// An engine process for the setAttributes crash test: started with plain node, killed with SIGKILL.
import { createEngine, openJournal } from "@continuum/core";
import { stagedFlow } from "./attributes-workflows.ts";

const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows: [stagedFlow],
  owner: `engine-${process.pid}`,
  leaseMs: 1_500,
  pollIntervalMs: 100,
});
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.start();
process.stdout.write(`READY ${process.pid}\n`);
