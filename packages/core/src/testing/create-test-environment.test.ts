import { beforeEach, describe, expect, it } from "vitest";
import {
  activity,
  ActivityFailure,
  days,
  defineActivity,
  hours,
  isTimeout,
  log,
  minutes,
  now,
  random,
  signal,
  sleep,
  uuid4,
  workflow,
} from "../workflow/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { TestKitError, WorkflowFailedError } from "../errors/engine-errors.ts";
import { activityContext } from "../worker/activity-context.ts";
import { createTestEnvironment, mockActivity } from "./index.ts";
import {
  fulfillment,
  ledger,
  orderActivities,
  orderFlow,
  payments,
  sampleOrder,
} from "./test-support/order-fixture.ts";

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/kit.workflow.ts", line: 1 }) as const;

beforeEach(() => {
  ledger.length = 0;
});

describe("test environment: the order flow", () => {
  it("runs to completion: validate, charge, approved review, ship", async () => {
    const env = await createTestEnvironment({
      workflows: [orderFlow],
      activities: orderActivities,
      paranoid: true,
    });
    const run = await env.client.start(orderFlow, sampleOrder);
    await env.settle();
    expect((await env.client.describe(run.runId)).status).toBe("running"); // waiting for the review
    expect(ledger).toEqual(["validate", "charge:38"]);
    await env.sendSignal(run.runId, "fraud_review", "approved");
    expect(await run.result()).toEqual({ status: "shipped", trackingId: "trk-o-1", chargeId: "ch-o-1" });
    expect(ledger).toEqual(["validate", "charge:38", "ship:o-1"]);
    const kinds = (await env.client.history(run.runId)).map((e) => e.kind);
    expect(kinds).toEqual([
      "run_started",
      "activity_scheduled",
      "activity_completed",
      "activity_scheduled",
      "activity_completed",
      "signal_wait_started",
      "signal_received",
      "activity_scheduled",
      "activity_completed",
      "run_completed",
    ]);
    await env.close();
  });

  it("retries the charge with exponential backoff on the test clock", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities: orderActivities });
    const retries: number[] = [];
    env.events.on("activity.retried", (e) => retries.push(e.delayMs));
    const started = env.now();
    const run = await env.client.start(orderFlow, { ...sampleOrder, chargeFailures: 2 });
    await env.sendSignal(run.runId, "fraud_review", "approved");
    expect(await run.result()).toMatchObject({ status: "shipped" });
    expect(retries).toEqual([1_000, 2_000]);
    expect(ledger).toEqual(["validate", "charge-failed#1", "charge-failed#2", "charge:38", "ship:o-1"]);
    expect(env.now() - started).toBe(3_000);
  });

  it("a signal sent before the workflow waits for it is kept and taken by the wait", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities: orderActivities });
    const run = await env.client.start(orderFlow, sampleOrder);
    await env.sendSignal(run.runId, "fraud_review", "rejected"); // the run has not even validated yet
    expect(await run.result()).toEqual({ status: "refunded", reason: "fraud_rejected" });
    expect(ledger).toEqual(["validate", "charge:38", "refund:ch-o-1"]);
  });

  it("the review wait times out after 24 hours of skipped time and the order is refunded", async () => {
    const env = await createTestEnvironment({
      workflows: [orderFlow],
      activities: orderActivities,
      paranoid: true,
    });
    const started = env.now();
    const run = await env.client.start(orderFlow, sampleOrder);
    expect(await run.result()).toEqual({ status: "refunded", reason: "review_timed_out" });
    expect(env.now() - started).toBe(hours(24));
    expect(ledger).toEqual(["validate", "charge:38", "refund:ch-o-1"]);
  });

  it("advanceTime moves exactly as far as asked: the review arrives 23 hours in, before the timeout", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities: orderActivities });
    const run = await env.client.start(orderFlow, sampleOrder);
    await env.advanceTime(hours(23));
    expect((await env.client.describe(run.runId)).status).toBe("running");
    await env.sendSignal(run.runId, "fraud_review", "approved");
    await env.settle();
    const done = await env.client.describe(run.runId);
    expect(done.status).toBe("completed");
    expect(done.result).toMatchObject({ status: "shipped" });
  });

  it("activity mocks replace implementations by definition", async () => {
    const calls: string[] = [];
    const env = await createTestEnvironment({
      workflows: [orderFlow],
      activities: orderActivities,
      activityMocks: [
        mockActivity(payments.charge, async (orderId, total) => {
          calls.push(`mock-charge:${orderId}:${total}`);
          return { chargeId: "mocked", total };
        }),
        mockActivity(fulfillment.ship, (orderId) => ({ trackingId: `mock-${orderId}` })),
      ],
    });
    const run = await env.client.start(orderFlow, sampleOrder);
    await env.sendSignal(run.runId, "fraud_review", "approved");
    expect(await run.result()).toEqual({ status: "shipped", trackingId: "mock-o-1", chargeId: "mocked" });
    expect(calls).toEqual(["mock-charge:o-1:38"]);
    expect(ledger).toEqual(["validate"]);
  });

  it("cancel: the run ends cancelled and waitFor sees it", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities: orderActivities });
    const run = await env.client.start(orderFlow, sampleOrder);
    await env.settle();
    const cancelled: (string | undefined)[] = [];
    env.events.on("run.cancelled", (e) => cancelled.push(e.reason));
    await env.client.cancel(run.runId, "customer called");
    const described = await env.waitFor(run.runId, "cancelled");
    expect(cancelled).toEqual(["customer called"]);
    expect(described.status).toBe("cancelled");
    await expect(run.result()).rejects.toMatchObject({
      code: ErrorCode.Cancelled,
      data: { reason: "customer called" },
    });
    expect(ledger).not.toContain("ship:o-1");
  });
});

describe("test environment: time, timeouts and failures", () => {
  it("a 30-day sleep finishes at once on the skipped clock", async () => {
    const napper = workflow.stamped(stamp("nap"))("nap", { version: 1 }, async (label: string) => {
      await sleep.at("sleep:#0")(days(30));
      return `${label} woke`;
    });
    const env = await createTestEnvironment({ workflows: [napper] });
    const started = env.now();
    const run = await env.client.start(napper, "bear");
    const done = await env.waitFor(run.runId, "completed");
    expect(done.result).toBe("bear woke");
    expect(env.now() - started).toBe(days(30));
  });

  it("an activity that hangs past its timeout fails after its attempts; the workflow sees ActivityFailure", async () => {
    const hang = defineActivity(
      "hang",
      async () => {
        await new Promise((_resolve, reject) =>
          activityContext().signal.addEventListener("abort", () => reject(new Error("aborted"))),
        );
        return "never";
      },
      { timeoutMs: minutes(1), retry: { maxAttempts: 2, initialIntervalMs: 10 } },
    );
    const caller = workflow.stamped(stamp("caller"))("caller", { version: 1 }, async () => {
      try {
        return await activity.at("activity:hang#0")(hang);
      } catch (error) {
        return error instanceof ActivityFailure ? `failed after ${error.data.attempts} attempts` : "other";
      }
    });
    const timedOut: number[] = [];
    const env = await createTestEnvironment({ workflows: [caller], activities: [hang], idleActivityMs: 20 });
    env.events.on("activity.timed_out", (e) => timedOut.push(e.attempt));
    const started = env.now();
    const run = await env.client.start(caller, undefined);
    expect(await run.result()).toBe("failed after 2 attempts");
    expect(timedOut).toEqual([1, 2]);
    expect(env.now() - started).toBeGreaterThanOrEqual(minutes(2));
  });

  it("a workflow that throws fails its run; result() throws WorkflowFailedError with the cause", async () => {
    const failing = workflow.stamped(stamp("failing"))("failing", { version: 1 }, async (n: number) => {
      if (n > 0) throw new RangeError(`n=${n} too big`);
      return n;
    });
    const env = await createTestEnvironment({ workflows: [failing] });
    const failed: string[] = [];
    env.events.on("run.failed", (e) => failed.push(`${e.workflowName}:${e.error.name}`));
    const run = await env.client.start(failing, 3);
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as Error).cause as Error).message).toBe("n=3 too big");
    await expect(env.waitFor(run.runId, "completed")).rejects.toThrow(/ended failed, not completed/);
    expect(failed).toEqual(["failing:RangeError"]);
  });

  it("waitFor explains a run that can never get there (a signal only the test can send)", async () => {
    const waiter = workflow.stamped(stamp("waiter"))("waiter", { version: 1 }, async () =>
      signal.at("signal:go#0")<string>("go"),
    );
    const env = await createTestEnvironment({ workflows: [waiter] });
    const run = await env.client.start(waiter, undefined);
    const error = await env.waitFor(run.runId, "completed").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestKitError);
    expect((error as TestKitError).message).toMatch(/can never reach completed/);
    await env.sendSignal(run.runId, "go", "now");
    expect((await env.waitFor(run.runId, "completed")).result).toBe("now");
  });

  it("a repeated signal deliveryId is delivered once", async () => {
    const counter = workflow.stamped(stamp("counter"))("counter", { version: 1 }, async () => {
      const first = await signal.at("signal:add#0")<number>("add");
      const second = await signal.at("signal:add#1")<number>("add", { timeout: hours(1) });
      return isTimeout(second) ? `only ${first}` : `${first}+${second}`;
    });
    const env = await createTestEnvironment({ workflows: [counter] });
    const run = await env.client.start(counter, undefined);
    expect(await env.sendSignal(run.runId, "add", 1, { deliveryId: "same" })).toEqual({ accepted: true });
    expect(await env.sendSignal(run.runId, "add", 1, { deliveryId: "same" })).toEqual({ accepted: false });
    expect(await run.result()).toBe("only 1");
  });
});

describe("test environment: paranoid mode", () => {
  it("catches a workflow that is not a function of its history (hidden module state)", async () => {
    let calls = 0;
    const left = defineActivity("left", async () => "L");
    const right = defineActivity("right", async () => "R");
    const moody = workflow.stamped(stamp("moody"))("moody", { version: 1 }, async () => {
      calls++;
      const first =
        calls % 2 === 1
          ? await activity.at("activity:left#0")(left)
          : await activity.at("activity:right#0")(right);
      await sleep.at("sleep:#0")(minutes(1));
      return first;
    });
    const env = await createTestEnvironment({
      workflows: [moody],
      activities: [left, right],
      paranoid: true,
    });
    const run = await env.client.start(moody, undefined);
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestKitError);
    expect((error as TestKitError).message).toMatch(/paranoid replay of run .* (diverged|failed)/);
  });

  it("catches nondeterministic activity arguments that replay alone would accept", async () => {
    let seed = 0;
    const record = defineActivity("record", async (value: number) => value);
    const drifty = workflow.stamped(stamp("drifty"))("drifty", { version: 1 }, async () => {
      seed++;
      return activity.at("activity:record#0")(record, seed);
    });
    const env = await createTestEnvironment({ workflows: [drifty], activities: [record], paranoid: true });
    const run = await env.client.start(drifty, undefined);
    await expect(run.result()).rejects.toThrow(/diverged at seq 2/);
  });

  it("accepts recorded values that differ on every live call (uuid4, random) and the step's now()", async () => {
    const stamped = workflow.stamped(stamp("values"))("values", { version: 1 }, async () => {
      const id = uuid4.at("uuid4:#0")();
      const dice = random.at("random:#0")();
      const started = now.at("now:#0")();
      await sleep.at("sleep:#0")(minutes(5));
      const woke = now.at("now:#1")();
      return { id, dice, waited: woke.getTime() - started.getTime() };
    });
    const env = await createTestEnvironment({ workflows: [stamped], paranoid: true, cacheSize: 0 });
    const run = await env.client.start(stamped, undefined);
    const result = (await run.result()) as { id: string; dice: number; waited: number };
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.dice).toBeGreaterThanOrEqual(0);
    expect(result.waited).toBe(minutes(5));
  });

  it("without paranoid mode the same workflow runs (its flaw is invisible)", async () => {
    let seed = 0;
    const record = defineActivity("record", async (value: number) => value);
    const drifty = workflow.stamped(stamp("drifty"))("drifty", { version: 1 }, async () => {
      seed++;
      return activity.at("activity:record#0")(record, seed);
    });
    const env = await createTestEnvironment({ workflows: [drifty], activities: [record] });
    const run = await env.client.start(drifty, undefined);
    expect(await run.result()).toBe(1);
  });

  it("an activity idempotency key runs the side effect once across runs; both runs get the stored result", async () => {
    let charged = 0;
    const charge = defineActivity(
      "psp.charge",
      async (orderId: string) => {
        charged++;
        return `receipt-${orderId}-${charged}`;
      },
      { idempotencyKey: (orderId) => `charge:${orderId}` },
    );
    const pay = workflow.stamped(stamp("pay"))("pay", { version: 1 }, async (orderId: string) =>
      activity.at("activity:charge#0")(charge, orderId),
    );
    const env = await createTestEnvironment({ workflows: [pay], activities: [charge] });
    const first = await env.client.start(pay, "o-7");
    expect(await first.result()).toBe("receipt-o-7-1");
    const second = await env.client.start(pay, "o-7"); // another run, same key
    expect(await second.result()).toBe("receipt-o-7-1");
    expect(charged).toBe(1);
    const third = await env.client.start(pay, "o-8");
    expect(await third.result()).toBe("receipt-o-8-2");
  });

  it("a heartbeating activity outlives its heartbeat timeout; a silent one is abandoned and retried", async () => {
    const attemptsSeen: number[] = [];
    const steps = defineActivity(
      "steps",
      async (silentOnFirstAttempt: boolean) => {
        const ctx = activityContext();
        attemptsSeen.push(ctx.attempt);
        if (silentOnFirstAttempt && ctx.attempt === 1) {
          await new Promise((_resolve, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
          );
        }
        for (let i = 0; i < 3; i++) await ctx.heartbeat(i);
        return ctx.attempt;
      },
      { heartbeatTimeoutMs: 1_000, timeoutMs: minutes(10), retry: { initialIntervalMs: 10 } },
    );
    const runner = workflow.stamped(stamp("runner"))("runner", { version: 1 }, async (silent: boolean) =>
      activity.at("activity:steps#0")(steps, silent),
    );
    const env = await createTestEnvironment({ workflows: [runner], activities: [steps], idleActivityMs: 20 });
    const timedOut: string[] = [];
    env.events.on("activity.timed_out", (e) => timedOut.push(e.kind));
    expect(await (await env.client.start(runner, false)).result()).toBe(1);
    expect(timedOut).toEqual([]);
    const started = env.now();
    expect(await (await env.client.start(runner, true)).result()).toBe(2);
    expect(timedOut).toEqual(["heartbeat"]);
    expect(env.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(env.now() - started).toBeLessThan(minutes(10));
  });

  it("workflow log() lines reach workflow.log once, even with every step replayed and paranoid checks on", async () => {
    const chatty = workflow.stamped(stamp("chatty"))("chatty", { version: 1 }, async () => {
      log.at("log:#0")("hello", { n: 1 });
      const name = await signal.at("signal:name#0")<string>("name");
      log.at("log:#1")("warn", `bye ${name}`);
      return name;
    });
    const env = await createTestEnvironment({ workflows: [chatty], cacheSize: 0, paranoid: true });
    const lines: string[] = [];
    env.events.on("workflow.log", (e) => lines.push(`${e.level}:${e.message}`));
    const run = await env.client.start(chatty, undefined);
    await env.settle();
    await env.sendSignal(run.runId, "name", "ada");
    expect(await run.result()).toBe("ada");
    expect(lines).toEqual(["info:hello", "warn:bye ada"]);
  });
});
