// A worker process for sigterm-handback-pg.test.ts: one engine with handleSignals, whose
// activity never finishes on its own. Prints "attempt <n>" when an attempt starts and
// "drain <json>" when the engine's drain completes; SIGTERM ends it through handleSignals.
import { openJournal } from "../../journal/open-journal.ts";
import { createEngine } from "../create-engine.ts";
import { sigtermFlow, slowActivity } from "./sigterm-flow.ts";
import { activityContext } from "../activity-context.ts";

const url = process.env.CTM_SIGTERM_URL;
if (url === undefined) throw new Error("CTM_SIGTERM_URL is not set");
const journal = await openJournal({ url });
const slow = slowActivity(
  (n: number) =>
    new Promise<number>((_, reject) => {
      void n;
      process.stdout.write(`attempt ${activityContext().attempt}\n`);
      activityContext().signal.addEventListener("abort", () => reject(new Error("aborted")));
    }),
);
const engine = createEngine({
  journal,
  workflows: [sigtermFlow(slow)],
  activities: [slow],
  owner: "sigterm-a",
  pollIntervalMs: 50,
  // Far longer than the test waits: another engine can only continue at once if this one hands
  // its work back.
  leaseMs: 600_000,
  shutdownTimeoutMs: 200,
  handleSignals: true,
});
engine.events.on("drain.completed", (e) => void process.stdout.write(`drain ${JSON.stringify(e)}\n`));
engine.start();
process.stdout.write("ready\n");
