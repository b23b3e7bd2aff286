import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/index.ts";
import { ReplayDriftError } from "../errors/replay-errors.ts";
import { attr } from "../model/attribute-query.ts";
import { createTestEnvironment, replayHistory, type TestEnvironment } from "../testing/index.ts";
import { setAttributes, signal, workflow } from "./index.ts";

// setAttributes from workflow code (hand-stamped, transformer/SPEC.md section 1): journaled as
// an attributes_set event, applied to the run row in the step's commit, checked against the
// declared types at the call, and matched (never written again) on replay and after a takeover.

const declared = { stage: "keyword", step: "int", coupon: "keyword" } as const;
const stamp = (versionHash: string, cursors: readonly string[]) =>
  ({ format: 1, versionHash, cursors, file: "test/set-attributes.workflow.ts", line: 1 }) as const;

const staged = workflow.stamped(stamp("staged", ["setAttributes:#0", "signal:go#0", "setAttributes:#1"]))(
  "attrs.staged",
  { version: 1, searchAttributes: declared },
  async () => {
    setAttributes.at("setAttributes:#0")({ stage: "waiting", step: 1 });
    const more = await signal.at("signal:go#0")<number>("go");
    setAttributes.at("setAttributes:#1")({ stage: "done", step: 1 + more, coupon: null });
    return more;
  },
);

/** Sets a bad value, catches the error and reports it; the run goes on. */
const careful = workflow.stamped(stamp("careful", ["setAttributes:#0", "setAttributes:#1"]))(
  "attrs.careful",
  { version: 1, searchAttributes: declared },
  async (bad: Record<string, unknown>) => {
    let refused: { code?: string; message: string; hint?: string } | undefined;
    try {
      setAttributes.at("setAttributes:#0")(bad);
    } catch (error) {
      const e = error as { code?: string; message: string; hint?: string };
      refused = {
        message: e.message,
        ...(e.code === undefined ? {} : { code: e.code }),
        ...(e.hint === undefined ? {} : { hint: e.hint }),
      };
    }
    setAttributes.at("setAttributes:#1")({ stage: "after" });
    return refused;
  },
);

/** Lets the error end the run. */
const reckless = workflow.stamped(stamp("reckless", ["setAttributes:#0"]))(
  "attrs.reckless",
  { version: 1, searchAttributes: declared },
  async () => {
    setAttributes.at("setAttributes:#0")({ step: 1.5 });
    return "unreachable";
  },
);

/** No declarations: plain JSON, as at start. */
const undeclared = workflow.stamped(stamp("undeclared", ["setAttributes:#0"]))(
  "attrs.undeclared",
  { version: 1 },
  async () => {
    setAttributes.at("setAttributes:#0")({ anything: { nested: [1, "two"] } });
    return 1;
  },
);

/** Passes another value on every execution (module state, on purpose): replay must not see it. */
let executions = 0;
const remembering = workflow.stamped(stamp("remembering", ["setAttributes:#0", "signal:go#0"]))(
  "attrs.remembering",
  { version: 1, searchAttributes: declared },
  async () => {
    executions += 1;
    const applied = setAttributes.at("setAttributes:#0")({ step: executions });
    await signal.at("signal:go#0")<number>("go");
    return applied;
  },
);

async function found(env: TestEnvironment, where: Parameters<TestEnvironment["client"]["list"]>[0]) {
  return (await env.client.list(where)).runs.map((r) => r.runId);
}

describe.each(["memory", "pglite"] as const)("setAttributes on %s", (journal) => {
  it("is journaled as an event and seen by list/query once its step commits", async () => {
    const env = await createTestEnvironment({ workflows: [staged], journal, paranoid: true });
    try {
      const run = await env.client.start(staged, undefined, { attributes: { stage: "new", coupon: "X" } });
      expect(await found(env, { where: attr("stage").eq("new") })).toEqual([run.runId]);
      await env.settle();
      expect(await found(env, { where: attr("stage").eq("waiting") })).toEqual([run.runId]);
      expect(await found(env, { where: attr("stage").eq("new") })).toEqual([]);
      await env.sendSignal(run.runId, "go", 4);
      expect(await run.result()).toBe(4);
      expect((await env.client.describe(run.runId)).attributes).toEqual({ stage: "done", step: 5 });
      expect(
        await found(env, { where: attr("step").between(5, 9).and(attr("stage").startsWith("do")) }),
      ).toEqual([run.runId]);
      expect(await found(env, { where: attr("coupon").eq("X") })).toEqual([]);
      const sets = (await env.client.history(run.runId)).filter((e) => e.kind === "attributes_set");
      expect(sets).toMatchObject([
        { identity: "setAttributes:#0@0", attributes: { stage: "waiting", step: 1 } },
        { identity: "setAttributes:#1@0", attributes: { stage: "done", step: 5, coupon: null } },
      ]);
    } finally {
      await env.close();
    }
  });

  it("a crash after the step: the engine that takes over replays the event and writes it once", async () => {
    const env = await createTestEnvironment({ workflows: [staged], journal, cacheSize: 0, leaseMs: 5_000 });
    try {
      const run = await env.client.start(staged, undefined);
      await env.settle();
      const before = await env.client.history(run.runId);
      await env.restart(); // a crash: the lease stays behind; the new engine takes the run over
      await env.sendSignal(run.runId, "go", 1);
      expect(await run.result()).toBe(1);
      const history = await env.client.history(run.runId);
      expect(history.slice(0, before.length)).toEqual(before);
      expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
      expect(history.filter((e) => e.kind === "attributes_set")).toHaveLength(2);
      expect(await found(env, { where: attr("stage").eq("done").and(attr("step").eq(2)) })).toEqual([
        run.runId,
      ]);
    } finally {
      await env.close();
    }
  });
});

describe("what setAttributes returns", () => {
  it("is the values journaled: on replay the recorded ones, whatever the code passes now", async () => {
    const env = await createTestEnvironment({ workflows: [remembering], cacheSize: 0 });
    try {
      const run = await env.client.start(remembering, undefined);
      await env.settle();
      await env.sendSignal(run.runId, "go", 1);
      // The second step replayed the first call with step = 2 in its hand; it got the recorded 1.
      expect(await run.result()).toEqual({ step: 1 });
      expect(executions).toBeGreaterThanOrEqual(2);
      expect((await env.client.describe(run.runId)).attributes).toEqual({ step: 1 });
    } finally {
      await env.close();
    }
  });
});

describe("setAttributes values are checked at the call", () => {
  it.each([
    [{ step: "two" }, /step is declared int: pass e\.g\. setAttributes\(\{ step: 42 \}\)/],
    [{ stage: 7 }, /stage is declared keyword/],
    [{ region: "eu" }, /declare it in workflow\("attrs\.careful"/],
    [{}, /setAttributes\(\{ status: "shipped" \}\)/],
  ])("%j throws CTM_INVALID_ATTRIBUTES with a fix line and stores nothing", async (bad, hint) => {
    const env = await createTestEnvironment({ workflows: [careful] });
    try {
      const run = await env.client.start(careful, bad, { attributes: { stage: "new", step: 1 } });
      const refused = await run.result();
      expect(refused).toMatchObject({ code: ErrorCode.InvalidAttributes });
      expect(refused?.hint).toMatch(hint);
      const history = await env.client.history(run.runId);
      // only the second call was journaled, under its own cursor
      expect(history.filter((e) => e.kind === "attributes_set")).toMatchObject([
        { identity: "setAttributes:#1@0", attributes: { stage: "after" } },
      ]);
      expect((await env.client.describe(run.runId)).attributes).toEqual({ stage: "after", step: 1 });
    } finally {
      await env.close();
    }
  });

  it("an uncaught refusal fails the run with the error; attributes stay as they were", async () => {
    const env = await createTestEnvironment({ workflows: [reckless] });
    try {
      const run = await env.client.start(reckless, undefined, { attributes: { step: 1 } });
      await expect(run.result()).rejects.toMatchObject({
        code: ErrorCode.WorkflowFailed,
        data: { error: { code: ErrorCode.InvalidAttributes } },
      });
      expect((await env.client.describe(run.runId)).attributes).toEqual({ step: 1 });
    } finally {
      await env.close();
    }
  });

  it("a workflow without declarations takes plain JSON", async () => {
    const env = await createTestEnvironment({ workflows: [undeclared] });
    try {
      const run = await env.client.start(undeclared, undefined);
      await run.result();
      expect((await env.client.describe(run.runId)).attributes).toEqual({ anything: { nested: [1, "two"] } });
    } finally {
      await env.close();
    }
  });
});

describe("replay of a history with attributes_set", () => {
  async function history() {
    const env = await createTestEnvironment({ workflows: [staged] });
    try {
      const run = await env.client.start(staged, undefined);
      await env.settle();
      await env.sendSignal(run.runId, "go", 2);
      await run.result();
      return await env.client.history(run.runId);
    } finally {
      await env.close();
    }
  }

  it("replays against the same code, even when the values the code passes changed", async () => {
    const recorded = JSON.parse(JSON.stringify(await history()));
    await expect(replayHistory(staged, recorded)).resolves.toBeUndefined();
    const revalued = workflow.stamped(
      stamp("staged", ["setAttributes:#0", "signal:go#0", "setAttributes:#1"]),
    )("attrs.staged", { version: 1, searchAttributes: declared }, async () => {
      setAttributes.at("setAttributes:#0")({ stage: "pending" });
      const more = await signal.at("signal:go#0")<number>("go");
      setAttributes.at("setAttributes:#1")({ stage: "finished" });
      return more;
    });
    await expect(replayHistory(revalued, recorded)).resolves.toBeUndefined();
  });

  it("drifts when the code no longer sets the attributes it recorded", async () => {
    const recorded = await history();
    const removed = workflow.stamped(stamp("staged-2", ["signal:go#0"]))(
      "attrs.staged",
      { version: 1, searchAttributes: declared },
      async () => signal.at("signal:go#0")<number>("go"),
    );
    await expect(replayHistory(removed, recorded)).rejects.toBeInstanceOf(ReplayDriftError);
  });
});
