// An engine process for the queue suite: serves the limited queue, prints READY.
import { createEngine, openJournal } from "@continuum/core";
import {
  apiFlow,
  limitedQueue,
  partitionedQueue,
  queueApiWork,
  queueFlow,
  queueRateWork,
  queueWork,
  rateFlow,
  unlimitedQueue,
} from "./queue-workflows.ts";

const journal = await openJournal({ url: process.env.DATABASE_URL });
const engine = createEngine({
  journal,
  workflows: [queueFlow, apiFlow, rateFlow],
  activities: [queueWork, queueApiWork, queueRateWork],
  queues: [limitedQueue, unlimitedQueue, partitionedQueue],
  owner: `queue-engine-${process.pid}`,
  pollIntervalMs: 200,
  concurrency: { workflows: 8, activities: 8 },
});
engine.events.on("engine.error", (event) =>
  process.stderr.write(`ENGINE_ERROR ${event.where} ${String(event.error)}\n`),
);
engine.events.on("queue.dequeued", (event) => process.stdout.write(`DEQUEUED ${event.runIds.length}\n`));
engine.start();
process.stdout.write(`READY ${process.pid}\n`);

process.on("SIGTERM", () => {
  void engine
    .stop({ graceful: true })
    .then(() => journal.close())
    .then(() => process.exit(0));
});
