import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { createInspector } from "../inspect/create-inspector.ts";
import { serverUrl } from "../journal/sql/test-support/sql-test-databases.ts";
import { createTestEnvironment, testJournals, type TestEnvironment } from "../testing/index.ts";
import { activity, defineActivity, signal, workflow } from "../workflow/index.ts";
import { createOperator } from "./create-operator.ts";

// Operator actions on runs stepped by the real engine, on every journal: retry from the failure
// runs only the failed call again, and every action leaves its audit entry.

const calls = { reserve: 0, charge: 0 };
let chargeBroken = true;

const reserve = defineActivity("retry.reserve", async (id: string) => {
  calls.reserve += 1;
  return `reserved ${id}`;
});
const charge = defineActivity(
  "retry.charge",
  async (id: string) => {
    calls.charge += 1;
    if (chargeBroken) throw new Error(`card processor down for ${id}`);
    return `charged ${id}`;
  },
  { retry: { maxAttempts: 2, initialIntervalMs: 10 } },
);

const stamp = (name: string) =>
  ({
    format: 1,
    versionHash: `retry-${name}`,
    cursors: [],
    file: "test/retry.workflow.ts",
    line: 1,
  }) as const;

const order = workflow.stamped(stamp("order"))("retry.order", { version: 1 }, async (id: string) => {
  const reserved = await activity.at("activity:reserve#0")(reserve, id);
  const charged = await activity.at("activity:charge#0")(charge, id);
  return `${reserved}, ${charged}`;
});

const waiting = workflow.stamped(stamp("waiting"))("retry.waiting", { version: 1 }, async () =>
  signal.at("signal:go#0")<string>("go"),
);

let env: TestEnvironment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe.each(testJournals(serverUrl))("operator actions on an engine's runs ($kind)", ({ journal }) => {
  it("retry: a run whose activity exhausted its attempts completes once the activity is fixed; completed calls are not run again", async () => {
    calls.reserve = 0;
    calls.charge = 0;
    chargeBroken = true;
    env = await createTestEnvironment({
      journal,
      workflows: [order, waiting],
      activities: [reserve, charge],
    });
    const operator = createOperator({
      journal: env.journal,
      actor: "ann",
      origin: { host: "laptop", via: "test" },
    });
    const first = await env.client.start(order, "o-1", { id: "order-o-1" });
    await expect(first.result()).rejects.toMatchObject({ code: ErrorCode.WorkflowFailed });
    expect(calls).toEqual({ reserve: 1, charge: 2 });

    chargeBroken = false;
    const retried = await operator.retry(first.runId);
    expect(retried).toMatchObject({ retriedFrom: first.runId, rescheduled: ["activity:charge#0@0"] });
    expect(retried.run.workflowId).toBe("order-o-1");
    const result = await env.client.result(retried.run.runId);
    expect(result).toBe("reserved o-1, charged o-1");
    expect(calls).toEqual({ reserve: 1, charge: 3 });
    const history = await env.client.history(retried.run.runId);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    expect(history.filter((e) => e.kind === "activity_completed")).toHaveLength(2);
    expect((await env.client.describe(first.runId)).status).toBe("failed");

    const inspector = createInspector(env.journal);
    const { entries } = await inspector.auditLog({ runId: first.runId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: "ann",
      action: "retry",
      runId: first.runId,
      workflowId: "order-o-1",
      outcome: "succeeded",
      origin: { host: "laptop", via: "test" },
      result: { newRunId: retried.run.runId },
    });
    // Only a failed run is retried; the refusal is recorded too.
    await expect(operator.retry(retried.run.runId)).rejects.toMatchObject({
      code: ErrorCode.RunNotRetryable,
    });
    const refused = (await inspector.auditLog({ runId: retried.run.runId })).entries[0];
    expect(refused).toMatchObject({
      action: "retry",
      outcome: "failed",
      error: { code: ErrorCode.RunNotRetryable },
    });
  }, 180_000);

  it("signal, cancel and terminate are audited, payloads are not; a refused action is recorded as failed", async () => {
    env = await createTestEnvironment({
      journal,
      workflows: [order, waiting],
      activities: [reserve, charge],
    });
    const operator = createOperator({
      journal: env.journal,
      actor: "bob",
      origin: { ip: "10.0.0.7", userAgent: "ua" },
    });
    const run = await env.client.start(waiting, undefined, { id: "waiting-1" });
    await env.settle();
    const secret = "s3cr3t-token-value";
    expect(await operator.signal(run.runId, "go", { token: secret })).toEqual({ accepted: true });
    expect(await run.result()).toEqual({ token: secret });
    await expect(operator.cancel(run.runId, { reason: "too late" })).rejects.toMatchObject({
      code: ErrorCode.RunFinished,
    });
    const other = await env.client.start(waiting, undefined, { id: "waiting-2" });
    await env.settle();
    await operator.terminate(other.runId, { reason: "stuck" });
    await expect(other.result()).rejects.toMatchObject({ code: ErrorCode.Cancelled });

    const { entries } = await operator.auditLog();
    expect(entries.map((e) => [e.action, e.outcome, e.runId])).toEqual([
      ["terminate", "succeeded", other.runId],
      ["cancel", "failed", run.runId],
      ["signal", "succeeded", run.runId],
    ]);
    expect(entries[0]?.parameters).toEqual({ reason: "stuck" });
    expect(entries[2]?.parameters).toMatchObject({ name: "go", payloadBytes: expect.any(Number) });
    expect(entries[2]?.result).toEqual({ accepted: true });
    expect(JSON.stringify(entries)).not.toContain(secret);
    expect(entries[1]?.origin).toEqual({ ip: "10.0.0.7", userAgent: "ua" });
    await expect(operator.cancel("no-such-run")).rejects.toMatchObject({ code: ErrorCode.RunNotFound });
    expect((await operator.auditLog({ runId: "no-such-run" })).entries).toMatchObject([
      { action: "cancel", outcome: "failed", error: { code: ErrorCode.RunNotFound } },
    ]);
  }, 180_000);

  it("repair lost-wakes on a run that really waits for a signal: the engine replays it, it waits again, unchanged", async () => {
    env = await createTestEnvironment({
      journal,
      workflows: [order, waiting],
      activities: [reserve, charge],
    });
    const operator = createOperator({ journal: env.journal, actor: "carol" });
    const run = await env.client.start(waiting, undefined, { id: "waiting-3" });
    await env.settle();
    const before = await env.client.history(run.runId);
    const plan = await operator.planRepair({ kind: "lost-wakes", staleAfterMs: 0 });
    expect(plan.map((item) => [item.kind, item.runId])).toEqual([["mark_ready", run.runId]]);
    expect(await operator.repair(plan)).toEqual({ applied: plan, skipped: [] });
    await env.settle();
    const inspector = createInspector(env.journal);
    await expect.poll(async () => (await inspector.run(run.runId))?.ready).toBe(false);
    expect(await env.client.history(run.runId)).toEqual(before);
    await env.client.signal(run.runId, "go", "now");
    expect(await run.result()).toBe("now");
    expect((await operator.auditLog()).entries[0]).toMatchObject({
      action: "repair",
      result: { applied: 1 },
    });
  }, 180_000);
});
