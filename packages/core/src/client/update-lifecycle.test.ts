import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { createEngine } from "../worker/create-engine.ts";
import {
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  setHandler,
  signal,
  workflow,
} from "../workflow/index.ts";
import { createClient } from "./create-client.ts";
import { journalMatrix, refusal } from "./test-support/journal-matrix.ts";

// Issue 11, updates: the "accepted" stage (a handle whose result is awaited later), updates in
// flight when a run continues as new (as Temporal: a request the run had not taken moves to the
// successor; one whose handler was running fails with reason "run-ended"), and queries and
// updates declared on the workflow, refused by a client that knows it when undeclared.

const stamp = (name: string) =>
  ({ format: 1, versionHash: `lifecycle-${name}`, cursors: [], file: "test/lifecycle.ts", line: 1 }) as const;

const roll = defineSignal("lc.roll");
const release = defineSignal("lc.release");
const done = defineSignal("lc.done");
/** Its handler waits for "release": in flight until then. */
const hold = defineUpdate<number, number>("lc.hold");
const bump = defineUpdate<number, number>("lc.bump");
const generation = defineQuery<number>("lc.generation");
const undeclared = defineUpdate<number, number>("lc.undeclared");
const secret = defineQuery<string>("lc.secret");

/**
 * Generation 0 handles `hold` (waiting for "release") but not `bump`, and continues as new on
 * "roll"; generation 1 handles `bump` and ends on "done".
 */
const relay = workflow.stamped(stamp("relay"))(
  "lc.relay",
  { version: 1, signals: [roll, release, done], queries: [generation], updates: [hold, bump] },
  async (gen: number): Promise<string> => {
    setHandler(generation, () => gen);
    setHandler(secret, () => "never asked: undeclared");
    if (gen === 0) {
      setHandler(hold, async (n) => {
        await signal.at("signal:expr#1")(release);
        return n;
      });
      await signal.at("signal:expr#0")(roll);
      return continueAsNew.at("continueAsNew:#0")(1);
    }
    setHandler(bump, (n) => n + 1);
    await signal.at("signal:expr#2")(done);
    return `gen ${gen} done`;
  },
);

const { kinds, engines } = journalMatrix("update_lifecycle");

describe.each(Object.entries(kinds))("update lifecycle (%s journal)", (_kind, open) => {
  it(
    "accepted handles; continue-as-new carries untaken requests and fails running ones; declared names",
    { timeout: 120_000 },
    async () => {
      const journal = await open();
      const engine = createEngine({ journal, workflows: [relay], pollIntervalMs: 20 });
      engines.push(engine);
      engine.start();
      const client = createClient({ journal, engine, pollIntervalMs: 20 });
      const run = await client.start(relay, 0);

      // Accepted: the run took the request (its handler waits for "release"); the result comes later.
      const accepted = await client.update(run, hold, 7, { waitFor: "accepted", updateId: "h-1" });
      expect(accepted).toMatchObject({ updateId: "h-1", runId: run.runId });
      const history = await client.history(run.runId);
      expect(history.some((e) => e.kind === "signal_received" && e.deliveryId === "update/h-1")).toBe(true);
      expect(history.some((e) => e.kind === "value_recorded")).toBe(false); // no outcome yet
      const early = await refusal(accepted.result({ timeoutMs: 50 }));
      expect((early as { data: { reason: string } }).data.reason).toBe("timed-out");

      // A request generation 0 has no handler for: taken by nobody, handed over at continue-as-new.
      const bumped = client.update(run, bump, 41, { updateId: "b-1" });
      await expect
        .poll(async () =>
          (await client.history(run.runId)).some(
            (e) => e.kind === "signal_received" && e.deliveryId === "update/b-1",
          ),
        )
        .toBe(true);
      await client.signal(run, roll);

      // The handler of h-1 was running when the run continued as new: it fails, it is not rerun.
      const lost = await refusal(accepted.result());
      expect(isContinuumError(lost, ErrorCode.UpdateFailed)).toBe(true);
      expect((lost as { data: { reason: string; runId: string } }).data).toMatchObject({
        reason: "run-ended",
        runId: run.runId,
      });
      // b-1 is answered by generation 1.
      expect(await bumped).toBe(42);
      expect(await client.query(run, generation)).toBe(1);

      // Declared names: an undeclared update stores nothing, an undeclared query is refused.
      const successor = (await client.describeWorkflow(run.workflowId))!.runId;
      const before = await client.history(successor);
      const refusedUpdate = await refusal(client.update(run, undeclared, 1));
      expect(isContinuumError(refusedUpdate, ErrorCode.UpdateNotDeclared)).toBe(true);
      expect(await client.history(successor)).toEqual(before);
      const refusedQuery = await refusal(client.query(run, secret));
      expect(isContinuumError(refusedQuery, ErrorCode.QueryNotDeclared)).toBe(true);
      // A client that knows no workflow code checks nothing (the run's handler still answers).
      const blind = createClient({ journal, pollIntervalMs: 20 });
      const answered = await client.update(successor, bump, 1, { waitFor: "accepted" });
      expect(await answered.result()).toBe(2);
      expect(await blind.update(successor, bump, 2)).toBe(3);

      await client.signal(successor, done);
      expect(await client.result(successor, { timeoutMs: 30_000 })).toBe("gen 1 done");
    },
  );

  it("workflow() refuses declarations that are not definitions", () => {
    expect(() =>
      workflow("lc.bad", { version: 1, updates: ["lc.hold"] as never }, async () => undefined),
    ).toThrow(/updates/);
    expect(() => workflow("lc.bad", { version: 1, queries: [hold] as never }, async () => undefined)).toThrow(
      /queries/,
    );
  });
});
