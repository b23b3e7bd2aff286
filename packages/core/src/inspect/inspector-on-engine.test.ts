import { afterEach, describe, expect, it } from "vitest";
import { serverUrl } from "../journal/sql/test-support/sql-test-databases.ts";
import { createTestEnvironment, testJournals, type TestEnvironment } from "../testing/index.ts";
import { ledger, orderActivities, orderFlow, sampleOrder } from "../testing/test-support/order-fixture.ts";
import { createInspector } from "./create-inspector.ts";

// The read model of a real run, stepped by the real engine on every journal: what an operator
// sees while the order waits for its fraud review, and once it ships.

let env: TestEnvironment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
  ledger.length = 0;
});

describe.each(testJournals(serverUrl))("createInspector on an engine's runs ($kind)", ({ journal }) => {
  it("shows a waiting order's retried charge, its review timer and decoded history, then its end", async () => {
    env = await createTestEnvironment({ journal, workflows: [orderFlow], activities: orderActivities });
    const inspector = createInspector(env.journal);
    const run = await env.client.start(orderFlow, { ...sampleOrder, chargeFailures: 1 }, { id: "order-o-1" });
    await env.settle();
    await env.advanceTime(2_000);
    await env.settle();

    const detail = await inspector.run("order-o-1");
    expect(detail?.run).toMatchObject({ runId: run.runId, status: "running", workflowName: "order" });
    expect(detail?.run.input).toMatchObject({ orderId: "o-1" });
    expect(detail).toMatchObject({ pendingTimers: 1, openTasks: 0, ready: false });
    const timers = await inspector.timers(run.runId);
    expect(timers).toHaveLength(1);
    expect(detail?.nextWakeAt).toBe(timers[0]!.fireAt);
    expect(timers[0]!.fireAt - env.now()).toBeGreaterThan(23 * 3_600_000);

    const tasks = await inspector.tasks(run.runId);
    // Tasks scheduled at the same instant (the test clock stands still) come by identity.
    const byName = new Map(tasks.map((t) => [t.activityName, t]));
    expect(byName.get("validation.check")).toMatchObject({ status: "completed", attempt: 1 });
    const charge = byName.get("payments.charge");
    expect(charge).toMatchObject({ status: "completed", attempt: 2, args: ["o-1", 38, 1] });
    expect(charge?.lastError?.message).toContain("psp unavailable (attempt 1)");

    const { events } = await inspector.history(run.runId);
    expect(events[0]).toMatchObject({ seq: 1, kind: "run_started", data: { input: { orderId: "o-1" } } });
    const charged = events.find(
      (e) => e.kind === "activity_completed" && e.identity?.startsWith("activity:payments.charge#0") === true,
    );
    expect(charged?.data).toMatchObject({ result: { chargeId: "ch-o-1", total: 38 } });
    expect((await inspector.health()).problems).toEqual([]);

    await env.client.signal(run.runId, "fraud_review", "approved");
    await env.settle();
    const done = await inspector.run(run.runId);
    expect(done?.run).toMatchObject({ status: "completed", result: { status: "shipped" } });
    expect(done).toMatchObject({ pendingTimers: 0, ready: false });
    expect(await inspector.timers(run.runId)).toEqual([]);
    const workflows = await inspector.workflows();
    expect(workflows.map((w) => [w.workflowName, w.counts.completed])).toEqual([["order", 1]]);
    expect((await inspector.runs({ idPrefix: "order-o" })).runs.map((r) => r.runId)).toEqual([run.runId]);
    // A fresh embedded PGlite takes seconds to start, many more on a loaded machine.
  }, 180_000);
});
