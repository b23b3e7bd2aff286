// A real engine process of the chaos suite: started with plain node (its clock skewed by the
// clock-skew.ts preload), killed with SIGKILL, frozen with SIGSTOP. Prints the lines the driver
// reads: READY, and one ACQ line per lease it takes (run id and when, by the database clock).
import { createEngine, openJournal } from "@continuum/core";
import { chaosActivities, chaosWorkflows } from "./chaos-workflows.ts";

const leaseMs = Number(process.env.LEASE_MS ?? 1_500);
const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows: chaosWorkflows,
  activities: chaosActivities,
  owner: `engine-${process.pid}`,
  leaseMs,
  pollIntervalMs: 100,
  concurrency: { workflows: 16, activities: 16 },
  // A step that fails because the server is restarting is tried again soon, not after 1-60 s.
  stepErrorBackoff: { initialMs: 100, maxMs: 500 },
});
engine.events.on("lease.acquired", (event) =>
  process.stdout.write(`ACQ ${event.runId} ${event.leaseExpiresAt - leaseMs}\n`),
);
engine.events.on("lease.lost", (event) => process.stdout.write(`LOST ${event.runId} ${event.during}\n`));
engine.events.on("replay.drift", (event) => process.stdout.write(`DRIFT ${event.runId}\n`));
engine.events.on("run.failed", (event) => process.stdout.write(`FAILED ${event.runId}\n`));
engine.events.on("engine.error", (event) =>
  process.stdout.write(`ERROR ${event.where} ${String(event.error).split("\n")[0]}\n`),
);
engine.start();
process.stdout.write(`READY ${process.pid} clock offset ${process.env.CHAOS_CLOCK_OFFSET_MS ?? 0} ms\n`);

process.on("SIGTERM", () => {
  void engine
    .stop({ graceful: false })
    .then(() => journal.close())
    .then(() => process.exit(0));
});
