/** One file init writes (only when no file of that name exists). */
export interface SampleFile {
  readonly name: string;
  readonly text: string;
}

/**
 * The sample app: activities (ordinary code), a workflow (checked and stamped by the
 * transformer), a worker (the engine) and a client (starts a run, waits for its result).
 * `ext` is the extension of relative imports (see importExtensionFor).
 */
export function sampleFiles(ext: ".ts" | ".js"): SampleFile[] {
  return [
    {
      name: "activities.ts",
      text: `import { defineActivity } from "@continuum/core";

// Activities are ordinary code: HTTP calls, e-mail, your database. Each runs at least once and
// is retried by its policy, so make it idempotent where it matters.

export const composeGreeting = defineActivity(
  "greeting.compose",
  async (name: string) => \`Hello, \${name}!\`,
  { retry: { maxAttempts: 3 }, timeoutMs: 10_000 },
);

export const deliverGreeting = defineActivity("greeting.deliver", async (text: string) => {
  console.log(text);
  return { deliveredAt: new Date().toISOString() };
});
`,
    },
    {
      name: "greeting.workflow.ts",
      text: `import { activity, seconds, sleep, workflow } from "@continuum/core";
import * as greetings from "./activities${ext}";

// Workflow code is replayed after a crash or deploy, so it must be deterministic: the
// transformer rejects Date.now(), Math.random(), timers and I/O here at build time.

export const greetingFlow = workflow("greeting", { version: 1 }, async ({ name }: { name: string }) => {
  const text = await activity(greetings.composeGreeting, name);
  await sleep(seconds(1)); // a durable timer: survives a restart of the process
  const receipt = await activity(greetings.deliverGreeting, text);
  return { text, deliveredAt: receipt.deliveredAt };
});
`,
    },
    {
      name: "worker.ts",
      text: `import { createEngine, openJournal, type Engine, type Journal } from "@continuum/core";
import * as greetings from "./activities${ext}";
import { greetingFlow } from "./greeting.workflow${ext}";

/** The engine: runs the workflows and activities of runs in the journal. */
export function createWorker(journal: Journal): Engine {
  return createEngine({
    journal,
    workflows: [greetingFlow],
    activities: [greetings.composeGreeting, greetings.deliverGreeting],
  });
}

async function main(): Promise<void> {
  // DATABASE_URL (migrate it first: npx continuum migrate), else embedded PGlite in ./.continuum/pgdata
  const journal = await openJournal();
  const engine = createWorker(journal);
  engine.events.on("run.completed", (event) => console.log(\`run \${event.runId} completed\`));
  engine.start();
  console.log("worker running; Ctrl-C stops it");
  const stop = (): void => {
    void engine.stop({ graceful: true }).then(() => journal.close());
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\\\/g, "/"))) void main();
`,
    },
    {
      name: "client.ts",
      text: `import { createClient, openJournal } from "@continuum/core";
import { greetingFlow } from "./greeting.workflow${ext}";
import { createWorker } from "./worker${ext}";

// Starts a greeting run and waits for its result. With DATABASE_URL a worker process (worker.ts)
// runs it; the embedded database belongs to one process, so without it this script runs an
// engine of its own.
async function main(): Promise<void> {
  const journal = await openJournal();
  const engine = process.env["DATABASE_URL"] ? undefined : createWorker(journal);
  engine?.start();
  const client = createClient(engine === undefined ? { journal } : { journal, engine });
  const run = await client.start(greetingFlow, { name: "world" }, { id: "greeting-world" });
  console.log("result:", await run.result({ timeoutMs: 60_000 }));
  await engine?.stop({ graceful: true });
  await journal.close();
}

void main();
`,
    },
  ];
}
