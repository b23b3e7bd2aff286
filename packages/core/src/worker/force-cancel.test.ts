import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { journalMatrix } from "../client/test-support/journal-matrix.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { signal, sleep, startChild, workflow, hours } from "../workflow/index.ts";
import { createEngine } from "./create-engine.ts";

// Issue 11: `cancel(run, { force: true })` ends runs that no engine can step: a run whose
// workflow is registered nowhere, and a run whose code drifted (the engine that took it over
// replays it, drifts, writes nothing and releases it). Children follow their parent-close policy.

const stamp = (name: string, cursors: string[]) =>
  ({ format: 1, versionHash: `force-${name}`, cursors, file: "test/force.workflow.ts", line: 1 }) as const;

const kid = workflow.stamped(stamp("kid", ["signal:never#0"]))("force.kid", { version: 1 }, async () =>
  signal.at("signal:never#0")<string>("never"),
);

/** Version 1 as deployed: starts a child, waits for "go", then sleeps. */
const deployed = workflow.stamped(stamp("flow", ["startChild:kid#0", "signal:go#0", "sleep:#0"]))(
  "force.flow",
  { version: 1 },
  async (id: string) => {
    await startChild.at("startChild:kid#0")(kid, undefined, { id: `kid-of-${id}` });
    await signal.at("signal:go#0")<string>("go");
    await sleep.at("sleep:#0")(hours(1));
    return "done";
  },
);

/** The same name and version hash with an edited body: its replay drifts at the child. */
const edited = workflow.stamped(stamp("flow", ["startChild:kid#0", "signal:go#0", "sleep:#0"]))(
  "force.flow",
  { version: 1 },
  async () => {
    await sleep.at("sleep:#0")(hours(2));
    return "edited";
  },
);

const { kinds, engines } = journalMatrix("force_cancel");

describe.each(Object.entries(kinds))("force-cancelling runs nobody can step (%s journal)", (_kind, open) => {
  it("a run of a workflow no engine registers ends cancelled at once", { timeout: 120_000 }, async () => {
    const journal = await open();
    const client = createClient({ journal, workflows: [], pollIntervalMs: 20 });
    const run = await client.start(deployed, "nobody", { id: `nobody-${crypto.randomUUID()}` });
    await client.cancel(run.runId, { reason: "retired", force: true });
    await expect(run.result()).rejects.toMatchObject({
      code: ErrorCode.Cancelled,
      data: { reason: "retired" },
    });
    expect((await client.history(run.runId)).map((e) => e.kind)).toEqual([
      "run_started",
      "cancel_requested",
      "run_cancelled",
    ]);
  });

  it(
    "a drifted run ends cancelled, no more of its code runs, its child follows the parent-close policy",
    { timeout: 120_000 },
    async () => {
      const journal = await open();
      const id = `drift-${crypto.randomUUID()}`;
      const first = createEngine({ journal, workflows: [deployed, kid], pollIntervalMs: 20 });
      engines.push(first);
      first.start();
      const client = createClient({ journal, pollIntervalMs: 20 });
      const run = await client.start(deployed, id, { id });
      const kinds = async () => (await client.history(run.runId)).map((e) => e.kind);
      await expect.poll(kinds, { timeout: 30_000 }).toContain("child_started");
      await first.stop({ graceful: true });

      // A deploy with an edited body under the same version hash: the run's replay drifts.
      const second = createEngine({
        journal,
        workflows: [edited, kid],
        pollIntervalMs: 20,
        driftBackoffMs: 3_600_000,
      });
      engines.push(second);
      const drifts: string[] = [];
      second.events.on("replay.drift", (event) => drifts.push(event.runId));
      second.start();
      await client.signal(run.runId, "go", "now", { dynamic: true });
      await expect.poll(() => drifts, { timeout: 30_000 }).toContain(run.runId);
      expect((await client.describe(run.runId)).status).toBe("running");

      await client.cancel(run.runId, { reason: "drifted", force: true });
      await expect(run.result()).rejects.toMatchObject({
        code: ErrorCode.Cancelled,
        data: { reason: "drifted" },
      });
      const history = await kinds();
      expect(history.slice(-2)).toEqual(["cancel_requested", "run_cancelled"]);
      expect(history).not.toContain("timer_started"); // neither body's sleep ran
      const child = await client.describeWorkflow(`kid-of-${id}`);
      await expect(client.result(child!.runId)).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    },
  );
});
