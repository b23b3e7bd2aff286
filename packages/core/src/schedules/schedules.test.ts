import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { InvalidScheduleError, ScheduleNotFoundError } from "../errors/schedule-errors.ts";
import type { ScheduleFiredEvent, ScheduleSkippedEvent } from "../worker/engine-events.ts";
import { createTestEnvironment } from "../testing/index.ts";
import { days, hours, minutes, sleep, workflow } from "../workflow/index.ts";
import { defineSchedule } from "./define-schedule.ts";

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/schedules.workflow.ts", line: 1 }) as const;

const echo = workflow.stamped(stamp("echo"))("echo", { version: 1 }, async (text: string) => `echo ${text}`);
const napper = workflow.stamped(stamp("napper"))("napper", { version: 1 }, async (text: string) => {
  await sleep.at("sleep:#0")(minutes(90));
  return text;
});

describe("delayed starts on the test kit", () => {
  it("the run exists at once with its start time, starts only then, and time skipping moves to it", async () => {
    const env = await createTestEnvironment({ workflows: [echo] });
    const startedAt = env.now();
    const run = await env.client.start(echo, "later", { startDelay: days(2) });
    const pending = await env.client.describe(run.runId);
    expect(pending).toMatchObject({ status: "running", lastSeq: 1, startAt: startedAt + days(2) });
    await env.settle();
    expect((await env.client.describe(run.runId)).lastSeq).toBe(1);
    const done = await env.waitFor(run.runId, "completed");
    expect(done.result).toBe("echo later");
    expect(env.now()).toBe(startedAt + days(2));
    await env.close();
  });

  it("startAt takes an absolute Date; a cancel before the start ends the run without running it", async () => {
    const env = await createTestEnvironment({ workflows: [echo] });
    const run = await env.client.start(echo, "never", { startAt: new Date(env.now() + hours(5)) });
    await env.client.cancel(run.runId, "changed my mind");
    const cancelled = await env.client.describe(run.runId);
    expect(cancelled.status).toBe("cancelled");
    expect((await env.client.history(run.runId)).map((e) => e.kind)).toEqual([
      "run_started",
      "cancel_requested",
      "run_cancelled",
    ]);
    await env.close();
  });

  it("refuses startAt together with startDelay, and a negative delay", async () => {
    const env = await createTestEnvironment({ workflows: [echo] });
    await expect(env.client.start(echo, "x", { startAt: 1, startDelay: 1 })).rejects.toThrow(/startAt/);
    await expect(env.client.start(echo, "x", { startDelay: -5 })).rejects.toMatchObject({
      code: ErrorCode.InvalidNumber,
    });
    expect((await env.client.list()).runs).toEqual([]);
    await env.close();
  });
});

describe("schedules on the test kit", () => {
  it("a schedule declared in code fires once per fire time as the clock moves, with deterministic ids", async () => {
    const hourly = defineSchedule("hourly-echo", { every: hours(1), workflow: echo, input: "tick" });
    const env = await createTestEnvironment({ workflows: [echo], schedules: [hourly] });
    const fired: ScheduleFiredEvent[] = [];
    env.events.on("schedule.fired", (e) => fired.push(e));
    await env.advanceTime(hours(3));
    expect(fired).toHaveLength(3);
    expect(fired.map((e) => e.fireAt % hours(1))).toEqual([0, 0, 0]);
    expect(fired.map((e) => e.lateMs)).toEqual([0, 0, 0]);
    const { runs } = await env.client.list({ workflowName: "echo" });
    expect(runs.map((r) => r.workflowId).sort()).toEqual(
      fired.map((e) => `hourly-echo@${new Date(e.fireAt).toISOString()}`).sort(),
    );
    expect(runs.every((r) => r.status === "completed" && r.result === "echo tick")).toBe(true);
    const described = await env.client.schedules.describe("hourly-echo");
    expect(described).toMatchObject({ firedCount: 3, input: "tick", paused: false });
    expect(described.upcoming).toHaveLength(5);
    expect(described.upcoming[0]).toBe(described.nextFireAt);
    await env.close();
  });

  it("overlap skip: a fire while the previous run still sleeps is skipped and reported", async () => {
    const hourly = defineSchedule("napping", {
      every: hours(1),
      workflow: napper,
      input: "zz",
      overlap: "skip",
    });
    const env = await createTestEnvironment({ workflows: [napper], schedules: [hourly] });
    const fired: ScheduleFiredEvent[] = [];
    const skipped: ScheduleSkippedEvent[] = [];
    env.events.on("schedule.fired", (e) => fired.push(e));
    env.events.on("schedule.skipped", (e) => skipped.push(e));
    await env.settle();
    await env.advanceTime(hours(4));
    expect(fired).toHaveLength(2);
    expect(skipped.map((e) => e.reason)).toEqual(["overlap", "overlap"]);
    expect(skipped[0]!.fireAt).toBe(fired[0]!.fireAt + hours(1));
    await env.close();
  });

  it("client.schedules: create, list with next fire times, pause, resume, trigger, backfill, delete", async () => {
    const env = await createTestEnvironment({ workflows: [echo] });
    const { schedules } = env.client;
    const created = await schedules.create("berlin-morning", {
      cron: "0 7 * * *",
      timezone: "Europe/Berlin",
      workflow: echo,
      input: "guten Morgen",
    });
    expect(created.spec).toMatchObject({ cron: "0 7 * * *", timezone: "Europe/Berlin", overlap: "skip" });
    expect(created.upcoming).toHaveLength(5);
    for (const at of created.upcoming)
      expect(new Date(at).toLocaleTimeString("en-GB", { timeZone: "Europe/Berlin" })).toBe("07:00:00");
    await expect(
      schedules.create("berlin-morning", { every: hours(1), workflow: echo, input: "x" }),
    ).rejects.toMatchObject({
      code: ErrorCode.ScheduleAlreadyExists,
    });
    expect((await schedules.pause("berlin-morning")).upcoming).toEqual([]);
    expect((await schedules.resume("berlin-morning")).upcoming).toHaveLength(5);
    const trigger = await schedules.trigger("berlin-morning");
    expect(trigger.fired).toHaveLength(1);
    const day = days(1);
    const backfill = await schedules.backfill("berlin-morning", {
      from: created.upcoming[0]! - 3 * day,
      to: created.upcoming[0]! - day,
    });
    expect(backfill.fired.map((f) => f.fireAt)).toEqual([3, 2, 1].map((n) => created.upcoming[0]! - n * day));
    await env.settle();
    const { runs } = await env.client.list({ workflowName: "echo" });
    expect(runs).toHaveLength(4);
    const updated = await schedules.update("berlin-morning", {
      every: hours(6),
      workflow: echo,
      input: "six",
    });
    expect(updated.spec.everyMs).toBe(hours(6));
    expect((await schedules.list()).map((s) => s.name)).toEqual(["berlin-morning"]);
    expect(await schedules.delete("berlin-morning")).toBe(true);
    await expect(schedules.describe("berlin-morning")).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await env.close();
  });

  it("defineSchedule refuses a bad cron pattern or time zone at definition time", () => {
    expect(() => defineSchedule("bad", { cron: "every day", workflow: echo, input: "x" })).toThrow(
      InvalidScheduleError,
    );
    expect(() =>
      defineSchedule("bad", { cron: "0 * * * *", timezone: "Nowhere/Special", workflow: echo, input: "x" }),
    ).toThrow(/timezone/);
    expect(() =>
      defineSchedule("bad", { cron: "0 * * * *", every: hours(1), workflow: echo, input: "x" }),
    ).toThrow(/exactly one/);
  });
});
