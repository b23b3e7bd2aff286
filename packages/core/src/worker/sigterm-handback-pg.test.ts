import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal } from "../journal/journal.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { createEngine } from "./create-engine.ts";
import { sigtermFlow, slowActivity } from "./test-support/sigterm-flow.ts";
import { activityContext } from "./activity-context.ts";

// A real worker process, SIGTERMed in the middle of an activity attempt: it hands the attempt
// and the run lease back, so a second engine continues at once instead of after the 10-minute
// lease the first one held.
let database: ServerDatabase;
let journal: Journal;
beforeAll(async () => {
  database = await createServerDatabase("sigterm");
  journal = await openJournal({ url: database.url, migrate: true });
});
afterAll(async () => {
  await journal?.close();
  await database?.drop();
});

describe("SIGTERM on a worker process (handleSignals)", () => {
  it("hands the running attempt and the run back: another engine continues without waiting for the lease", async () => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL("./test-support/sigterm-engine-process.ts", import.meta.url))],
      { env: { ...process.env, CTM_SIGTERM_URL: database.url }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => output.includes(text) && resolve();
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          check();
        });
        check();
      });
    const started = seen("attempt 1");
    // A child that dies on its way up fails the test now, not at its timeout.
    const early = exited.then((code) => {
      throw new Error(`the worker process exited early (${String(code)}): ${output}`);
    });
    early.catch(() => undefined);
    await Promise.race([seen("ready"), early]);

    const client = createClient({ journal, pollIntervalMs: 50 });
    const run = await client.start(sigtermFlow(slowActivity(async (n) => n)), 21);
    await Promise.race([started, early]);

    let secondAttemptAt: number | undefined;
    const fast = slowActivity(async (n) => {
      secondAttemptAt ??= performance.now();
      expect(activityContext().attempt).toBe(2);
      return n * 2;
    });
    const engine = createEngine({
      journal,
      workflows: [sigtermFlow(fast)],
      activities: [fast],
      owner: "sigterm-b",
      pollIntervalMs: 50,
    });
    engine.start();
    try {
      const killedAt = performance.now();
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const drain = JSON.parse(/drain (.*)/.exec(output)![1]!) as Record<string, number>;
      expect(drain).toMatchObject({ handedBackActivities: 1, releasedRuns: 1 });

      expect(await run.result({ timeoutMs: 120_000 })).toBe(42);
      const doneAt = performance.now();
      const gap = secondAttemptAt! - killedAt;
      // The lease the dead engine held was 10 minutes: continuing within it proves the hand-back.
      expect(gap).toBeLessThan(600_000);
      console.log(
        `SIGTERM -> second engine's attempt: ${gap.toFixed(0)} ms; -> run completed: ${(doneAt - killedAt).toFixed(0)} ms`,
      );
      const history = await client.history(run.runId);
      expect(history.filter((e) => e.kind === "activity_completed")).toHaveLength(1);
    } finally {
      await engine.stop({ graceful: false });
      child.kill("SIGKILL");
    }
  }, 180_000);
});
