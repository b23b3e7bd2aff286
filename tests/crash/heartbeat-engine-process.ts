// A real engine process for the heartbeat crash test: runs beatFlow and its heartbeating
// activity, and silentFlow (no heartbeats: bounded by the engine's attempt lease); the tests
// SIGKILL it mid-activity.
import { createEngine, openJournal } from "@continuum/core";
import { beatFlow, countWithBeats, silentFlow, silentWork } from "./heartbeat-workflows.ts";

const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows: [beatFlow, silentFlow],
  activities: [countWithBeats, silentWork],
  owner: `engine-${process.pid}`,
  // LEASE_MS: the in-process variant of the lease test runs with a longer lease.
  leaseMs: Number(process.env.LEASE_MS ?? 1_500),
  pollIntervalMs: 100,
});
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.start();
process.stdout.write(`READY ${process.pid}\n`);
