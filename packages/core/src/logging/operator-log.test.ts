import { describe, expect, it } from "vitest";
import {
  activity,
  child,
  compensateAll,
  defineActivity,
  log,
  patched,
  signal,
  sleep,
  workflow,
} from "../workflow/index.ts";
import { orderActivities, orderFlow, sampleOrder } from "../testing/test-support/order-fixture.ts";
import { kitActivities, sagaV1, sagaV2 } from "../testing/test-support/kit-fixture.ts";
import { days } from "../workflow/durations.ts";
import { createTestEnvironment } from "../testing/index.ts";
import type { EngineEventName } from "../worker/engine-events.ts";
import type { TestEnvironment } from "../testing/test-environment.ts";
import { createEngineEventEmitter } from "../worker/engine-event-emitter.ts";
import { emitEvent } from "../worker/engine-events.ts";
import { captureLogger, type CapturedLog } from "./capture-logger.ts";
import { createEngineLog } from "./logger.ts";
import { attachOperatorLog } from "./operator-log.ts";

// What the engine logs and emits over whole runs, through the test kit (its lines land in env.logs).

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/operator-log.workflow.ts", line: 1 }) as const;

function count(env: TestEnvironment, names: readonly EngineEventName[]): Map<EngineEventName, number> {
  const seen = new Map<EngineEventName, number>(names.map((name) => [name, 0]));
  for (const name of names) env.events.on(name, () => seen.set(name, (seen.get(name) ?? 0) + 1));
  return seen;
}

describe("operator log over whole runs", () => {
  it("a run failed by an activity out of retries logs one warning for the activity and exactly one error line, with its code", async () => {
    const broken = defineActivity(
      "psp.charge",
      async (): Promise<string> => {
        throw new Error("psp down");
      },
      { retry: { maxAttempts: 2, initialIntervalMs: 1_000 } },
    );
    const pay = workflow.stamped(stamp("pay"))("pay", { version: 1 }, async () => {
      return await activity.at("activity:psp.charge#0")(broken);
    });
    const env = await createTestEnvironment({ workflows: [pay], activities: [broken] });
    try {
      const run = await env.client.start(pay, undefined);
      await expect(run.result()).rejects.toThrow();
      const record = await env.journal.getRun(run.runId);
      expect(record?.status).toBe("failed");
      const errors = env.logs.filter((line) => line.level === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.fields).toMatchObject({
        event: "run.failed",
        runId: run.runId,
        workflowName: "pay",
        code: record?.error?.code,
      });
      expect(record?.error?.code).toMatch(/^CTM_[A-Z_]+$/);
      expect(errors[0]?.message).toContain(record!.error!.code!);
      const warnings = env.logs.filter((line) => line.level === "warn");
      expect(warnings.map((line) => [line.fields["event"], line.fields["attempt"]])).toEqual([
        ["activity.failed", 2],
      ]);
      expect(warnings[0]?.message).toMatch(/psp\.charge .*after 2 attempt\(s\).*psp down/);
      // The retry in between is a debug line, kept because the kit keeps every level.
      expect(env.logs.filter((line) => line.fields["event"] === "activity.retried")).toHaveLength(1);
    } finally {
      await env.close();
    }
  });

  it("workflow log() lines are logged once per live call, however often the run is replayed", async () => {
    const chatty = workflow.stamped(stamp("chatty"))("chatty", { version: 1 }, async (orderId: string) => {
      log.at("log:#0")("charging", { orderId });
      await sleep.at("sleep:#0")(1_000);
      const v2 = patched.at("patched:#0")("new-path");
      log.at("log:#1")("warn", "woke up", { v2 });
      await sleep.at("sleep:#1")(1_000);
      log.at("log:#2")("done");
      return orderId;
    });
    // cacheSize 0: every step rebuilds the execution by replaying the whole history.
    const env = await createTestEnvironment({ workflows: [chatty], cacheSize: 0 });
    try {
      const seen = count(env, ["replay.started", "patched.hit", "run.suspended", "run.completed"]);
      const run = await env.client.start(chatty, "o-1");
      expect(await run.result()).toBe("o-1");
      expect(seen.get("replay.started")).toBeGreaterThanOrEqual(3);
      const lines = env.logs.filter((line) => line.fields["event"] === "workflow.log");
      expect(lines.map((line) => [line.level, line.message, line.fields["data"]])).toEqual([
        ["info", "charging", { orderId: "o-1" }],
        ["warn", "woke up", { v2: true }],
        ["info", "done", undefined],
      ]);
      expect(lines.every((line) => line.fields["runId"] === run.runId)).toBe(true);
      expect(seen.get("patched.hit")).toBe(1);
      expect(seen.get("run.suspended")).toBe(2);
      expect(seen.get("run.completed")).toBe(1);
    } finally {
      await env.close();
    }
  });

  it("a saga reports its compensation, its signal wait and the run duration", async () => {
    const book = defineActivity("trip.book", async (what: string) => `${what}-ref`);
    const release = defineActivity("trip.release", async (what: string) => `released:${what}`);
    const fail = defineActivity(
      "trip.fail",
      async (): Promise<string> => {
        throw new Error("sold out");
      },
      { retry: { maxAttempts: 1 } },
    );
    const trip = workflow.stamped(stamp("trip"))("trip", { version: 1 }, async () => {
      await signal.at("signal:go#0")<string>("go");
      try {
        await activity.at("activity:book#0")(book, "hotel", { compensate: [release, "hotel"] });
        await activity.at("activity:fail#0")(fail);
        return "booked";
      } catch {
        await compensateAll.at("compensateAll:#0")();
        return "rolled back";
      }
    });
    const env = await createTestEnvironment({ workflows: [trip], activities: [book, release, fail] });
    try {
      const seen = count(env, [
        "signal.awaited",
        "compensation.scheduled",
        "compensation.started",
        "compensation.completed",
        "compensation.failed",
      ]);
      const durations: (number | undefined)[] = [];
      env.events.on("run.completed", (e) => durations.push(e.durationMs));
      const run = await env.client.start(trip, undefined);
      await env.sendSignal(run.runId, "go", "now");
      expect(await run.result()).toBe("rolled back");
      expect(Object.fromEntries(seen)).toEqual({
        "signal.awaited": 1,
        "compensation.scheduled": 1,
        "compensation.started": 1,
        "compensation.completed": 1,
        "compensation.failed": 0,
      });
      expect(durations).toHaveLength(1);
      expect(durations[0]).toBeGreaterThanOrEqual(0);
      // A failure the workflow handled is a warning about the activity, never an error line.
      expect(env.logs.filter((line) => line.level === "error")).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it("a child's outcome is reported to its parent: child.completed, then child.failed with the error", async () => {
    const doubler = workflow.stamped(stamp("doubler"))("doubler", { version: 1 }, async (n: number) => {
      if (n < 0) throw new Error("negative");
      return n * 2;
    });
    const parent = workflow.stamped(stamp("parent"))("parent", { version: 1 }, async () => {
      const ok = await child.at("child:doubler#0")(doubler, 2);
      const failed = await child
        .at("child:doubler#1")(doubler, -1)
        .then(
          () => "no",
          () => "yes",
        );
      return { ok, failed };
    });
    const env = await createTestEnvironment({ workflows: [parent, doubler] });
    try {
      const reported: string[] = [];
      env.events.on("child.started", (e) => reported.push(`started ${e.identity}`));
      env.events.on("child.completed", (e) => reported.push(`completed ${e.identity}`));
      env.events.on("child.failed", (e) => reported.push(`failed ${e.identity}: ${e.error.message}`));
      const run = await env.client.start(parent, undefined);
      expect(await run.result()).toEqual({ ok: 4, failed: "yes" });
      expect(reported).toEqual([
        "started child:doubler#0@0",
        "completed child:doubler#0@0",
        "started child:doubler#1@0",
        expect.stringMatching(/^failed child:doubler#1@0: .*negative/),
      ]);
      // The child's own failure is the one error line (the parent handled it).
      expect(
        env.logs.filter((line) => line.level === "error").map((line) => line.fields["workflowName"]),
      ).toEqual(["doubler"]);
    } finally {
      await env.close();
    }
  });

  it("a run left without its version is a warning naming the version to deploy, once", async () => {
    const env = await createTestEnvironment({ workflows: [sagaV1], activities: kitActivities });
    try {
      const old = await env.client.start(sagaV1, "e");
      await env.settle();
      await env.restart({ workflows: [sagaV2], graceful: true });
      await env.advanceTime(days(31));
      expect((await env.client.describe(old.runId)).status).toBe("stuck_unknown_version");
      const stuck = env.logs.filter((line) => line.fields["event"] === "run.stuck_unknown_version");
      expect(stuck).toHaveLength(1);
      expect(stuck[0]?.level).toBe("warn");
      expect(stuck[0]?.message).toContain("started on version kit-saga-v1");
      expect(stuck[0]?.message).toContain("this one has kit-saga-v2");
    } finally {
      await env.close();
    }
  });

  it("the order flow on a test kit prints nothing and keeps its lines", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities: orderActivities });
    try {
      const run = await env.client.start(orderFlow, sampleOrder);
      await env.sendSignal(run.runId, "fraud_review", "approved");
      await run.result();
      expect(env.logs.map((line) => line.fields["event"])).toEqual(["run.started", "run.completed"]);
    } finally {
      await env.close();
    }
  });
});

describe("operator log: one line per event, at its level", () => {
  it("maps each operator event to one line, skips loop errors, and detaches", () => {
    const events = createEngineEventEmitter();
    const lines: CapturedLog[] = [];
    const detach = attachOperatorLog(events, createEngineLog(captureLogger(lines), "info"));
    const drift = {
      name: "ReplayDriftError",
      message: "history differs at event 3\n  fix: deploy the code the run started with",
      code: "CTM_REPLAY_DRIFT",
    };
    emitEvent(events, "lease.lost", { runId: "r-1", fencingToken: 3, during: "renew" });
    emitEvent(events, "replay.drift", { runId: "r-2", workflowName: "order", error: drift });
    emitEvent(events, "engine.error", { where: "workflow_loop", error: new Error("ECONNREFUSED") });
    emitEvent(events, "engine.error", { where: "step", error: new Error("bug"), runId: "r-3" });
    emitEvent(events, "journal.unreachable", { where: "timer_loop", error: new Error("ECONNREFUSED") });
    emitEvent(events, "journal.reconnected", { downMs: 1234.5 });
    emitEvent(events, "activity.retried", {
      runId: "r-4",
      taskId: "t",
      identity: "activity:a#0@0",
      activityName: "a",
      attempt: 1,
      error: { name: "Error", message: "x" },
      delayMs: 10,
    });
    expect(lines.map((line) => [line.level, line.fields["event"]])).toEqual([
      ["warn", "lease.lost"],
      ["error", "replay.drift"],
      ["error", "engine.error"],
      ["error", "journal.unreachable"],
      ["info", "journal.reconnected"],
    ]);
    expect(lines[1]?.fields).toMatchObject({
      code: "CTM_REPLAY_DRIFT",
      fix: "deploy the code the run started with",
    });
    expect(lines[1]?.message).toContain("CTM_REPLAY_DRIFT: history differs at event 3 (fix: deploy the code");
    expect(lines[4]?.message).toBe("journal reconnected after 1235 ms");
    detach();
    emitEvent(events, "lease.lost", { runId: "r-1", fencingToken: 4, during: "commit" });
    expect(lines).toHaveLength(5);
  });
});
