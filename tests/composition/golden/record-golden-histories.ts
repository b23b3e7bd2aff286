// Records the golden histories of version 1 of the booking saga into histories/*.json, with the
// test kit (in-memory journal, manual clock from a fixed start, so the files are the same on
// every machine apart from run ids, which are replaced by the file's name):
//   node tests/composition/golden/record-golden-histories.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestEnvironment } from "@continuum/core/testing";
import { bookingV1 } from "./booking-workflows.ts";
import { travelActivities } from "./src/booking-activities.ts";

const cases = {
  /** Approved: flight, approval, hotel, completed. */
  "v1-approved": async (env: Env, runId: string) => {
    await env.settle();
    await env.sendSignal(runId, "approve", true);
    await env.waitFor(runId, "completed");
  },
  /** Rejected: flight, rejection, compensateAll (cancel the flight), completed as cancelled. */
  "v1-rejected": async (env: Env, runId: string) => {
    await env.settle();
    await env.sendSignal(runId, "approve", false);
    await env.waitFor(runId, "completed");
  },
  /** Expired: nobody approved within the hour, so the flight is compensated after the timeout. */
  "v1-expired": async (env: Env, runId: string) => {
    await env.waitFor(runId, "completed");
  },
  /** In flight: the flight is booked and the run waits for its approval (a run a deploy meets). */
  "v1-waiting": async (env: Env) => {
    await env.settle();
  },
};
type Env = Awaited<ReturnType<typeof createTestEnvironment>>;

for (const [name, drive] of Object.entries(cases)) {
  const env = await createTestEnvironment({
    workflows: [bookingV1],
    activities: travelActivities,
    startTime: Date.UTC(2026, 0, 1),
  });
  const run = await env.client.start(bookingV1, { tripId: "t-1" }, { id: name });
  await drive(env, run.runId);
  const history = await env.client.history(run.runId);
  const file = fileURLToPath(new URL(`./histories/${name}.json`, import.meta.url));
  writeFileSync(file, `${JSON.stringify(history, null, 2)}\n`);
  console.log(`${name}: ${history.length} events`);
  await env.close();
}
