// A real engine process for the composition suites: started with plain node, stopped with
// SIGTERM or killed with SIGKILL. WORKFLOWS picks the code it has (comma-separated keys below).
// Prints one line per event the drivers wait for.
import { createEngine, openJournal, type AnyWorkflowDefinition } from "@continuum/core";
import { deployStep, deployV1, deployV2, payFinal, release, reserve, tripSaga } from "./saga-workflows.ts";

const available: Record<string, AnyWorkflowDefinition> = {
  trip: tripSaga,
  "deploy-v1": deployV1,
  "deploy-v2": deployV2,
};
const workflows = (process.env.WORKFLOWS ?? "trip").split(",").map((key) => {
  const definition = available[key];
  if (definition === undefined) throw new Error(`unknown workflow key ${key}`);
  return definition;
});
const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows,
  activities: [reserve, payFinal, release, deployStep],
  owner: `engine-${process.pid}`,
  leaseMs: Number(process.env.LEASE_MS ?? 1_500),
  pollIntervalMs: 100,
  unknownVersionAfterMs: Number(process.env.UNKNOWN_VERSION_AFTER_MS ?? 30_000),
  concurrency: { workflows: 8, activities: 16 },
});
engine.events.on("run.stuck_unknown_version", (event) =>
  process.stdout.write(`STUCK ${event.runId} ${event.versionHash}\n`),
);
engine.events.on("replay.drift", (event) => process.stdout.write(`DRIFT ${event.runId}\n`));
engine.events.on("run.failed", (event) => process.stdout.write(`FAILED ${event.runId}\n`));
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.start();
process.stdout.write(`READY ${process.pid}\n`);

process.on("SIGTERM", () => {
  void engine
    .stop({ graceful: true })
    .then(() => journal.close())
    .then(() => process.exit(0));
});
