import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { ActivityFailure, CompensationFailure } from "../errors/workflow-errors.ts";
import type { HistoryEvent } from "../model/index.ts";
import { activityContext } from "../worker/activity-context.ts";
import { activity, compensate, compensateAll, defineActivity, workflow } from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";
import { replayHistory } from "./replay-history.ts";

// Compensating twice is a no-op that settles as the first time did (compensate(h) twice,
// compensate(h) after compensateAll(), compensateAll() twice), and compensateAll's failure
// policy is explicit: stop at the first failure, or try every one and report all failures.

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/saga-idempotence.workflow.ts", line: 1 }) as const;

function ledger() {
  const attempts: string[] = [];
  const broken = new Set<string>();
  const reserve = defineActivity("undo.reserve", async (what: string) => ({ ref: `${what}-ref` }));
  const release = defineActivity(
    "undo.release",
    async (what: string) => {
      attempts.push(`release:${what}#${activityContext().attempt}`);
      if (broken.has(what)) throw new Error(`release ${what} unavailable`);
      return `released:${what}`;
    },
    { retry: { maxAttempts: 2, initialIntervalMs: 1_000 } },
  );
  return { attempts, broken, reserve, release, activities: [reserve, release] };
}

function releases(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((e) =>
    e.kind === "activity_scheduled" && e.activityName === "undo.release"
      ? [`${e.identity} ${JSON.stringify(e.args)}`]
      : [],
  );
}

const outcomeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof CompensationFailure)
      return `CompensationFailure[${e.failures.map((f) => ((f as ActivityFailure).cause instanceof Error ? ((f as ActivityFailure).cause as Error).message : f.message)).join(" | ")}]`;
    if (e instanceof ActivityFailure) return `ActivityFailure(${(e.cause as Error).message})`;
    return `other: ${String(e)}`;
  }
};

describe("sagas: compensating again is a no-op with the earlier outcome", () => {
  it("compensate(h) twice and after compensateAll runs each undo once, success or failure", async () => {
    const l = ledger();
    l.broken.add("car");
    const wf = workflow.stamped(stamp("twice"))("undo.twice", { version: 1 }, async () => {
      const hotel = await activity.at("activity:reserve#0")(l.reserve, "hotel", {
        compensate: [l.release, "hotel"],
      });
      const car = await activity.at("activity:reserve#1")(l.reserve, "car", {
        compensate: [l.release, "car"],
      });
      const first = await outcomeOf(compensate.at("compensate:#0")(hotel));
      const again = await outcomeOf(compensate.at("compensate:#1")(hotel));
      const carFirst = await outcomeOf(compensate.at("compensate:#2")(car));
      const carAgain = await outcomeOf(compensate.at("compensate:#3")(car));
      const all = await outcomeOf(compensateAll.at("compensateAll:#0")());
      return { first, again, carFirst, carAgain, all };
    });
    const env = await createTestEnvironment({
      workflows: [wf],
      activities: l.activities,
      cacheSize: 0,
      paranoid: true,
    });
    const run = await env.client.start(wf, undefined);
    expect(await run.result()).toEqual({
      first: "ok",
      again: "ok",
      carFirst: "ActivityFailure(release car unavailable)",
      carAgain: "ActivityFailure(release car unavailable)",
      // compensateAll (stop, lifo) meets the car's failed undo first: its earlier outcome
      all: "ActivityFailure(release car unavailable)",
    });
    const history = await env.client.history(run.runId);
    expect(releases(history)).toEqual(['compensate:#0@0 ["hotel"]', 'compensate:#2@0 ["car"]']);
    // the failed undo was retried by its own policy once, never started again by a later call
    expect(l.attempts).toEqual(["release:hotel#1", "release:car#1", "release:car#2"]);
    await replayHistory(wf, history);
    await env.close();
  });

  it("compensate(h) after compensateAll() ran it returns that outcome; compensateAll() twice runs nothing new", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("all-twice"))("undo.all-twice", { version: 1 }, async () => {
      const flight = await activity.at("activity:reserve#0")(l.reserve, "flight", {
        compensate: [l.release, "flight"],
      });
      await activity.at("activity:reserve#1")(l.reserve, "hotel", { compensate: [l.release, "hotel"] });
      const all = await outcomeOf(compensateAll.at("compensateAll:#0")());
      const allAgain = await outcomeOf(compensateAll.at("compensateAll:#1")({ order: "parallel" }));
      const one = await outcomeOf(compensate.at("compensate:#0")(flight));
      return { all, allAgain, one };
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    expect(await run.result()).toEqual({ all: "ok", allAgain: "ok", one: "ok" });
    const history = await env.client.history(run.runId);
    expect(releases(history)).toEqual(['compensateAll:#0@0 ["hotel"]', 'compensateAll:#0@1 ["flight"]']);
    await replayHistory(wf, history);
    await env.close();
  });

  it("a second compensateAll() runs only the undos of calls completed since, and still reports the earlier failure", async () => {
    const l = ledger();
    l.broken.add("flight");
    const wf = workflow.stamped(stamp("all-new"))("undo.all-new", { version: 1 }, async () => {
      await activity.at("activity:reserve#0")(l.reserve, "flight", { compensate: [l.release, "flight"] });
      const first = await outcomeOf(compensateAll.at("compensateAll:#0")());
      await activity.at("activity:reserve#1")(l.reserve, "boat", { compensate: [l.release, "boat"] });
      const second = await outcomeOf(compensateAll.at("compensateAll:#1")());
      return { first, second };
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    expect(await run.result()).toEqual({
      first: "ActivityFailure(release flight unavailable)",
      second: "ActivityFailure(release flight unavailable)",
    });
    expect(releases(await env.client.history(run.runId))).toEqual([
      'compensateAll:#0@0 ["flight"]',
      'compensateAll:#1@0 ["boat"]',
    ]);
    await env.close();
  });
});

describe("sagas: compensateAll failure policy", () => {
  for (const order of ["lifo", "parallel"] as const) {
    it(`${order}: "stop" reports the first failure, "continue" tries all and reports every failure`, async () => {
      const results: Record<string, unknown> = {};
      for (const onFailure of ["stop", "continue"] as const) {
        const l = ledger();
        l.broken.add("car");
        l.broken.add("flight");
        const wf = workflow.stamped(stamp(`policy-${order}-${onFailure}`))(
          `undo.policy.${order}.${onFailure}`,
          { version: 1 },
          async () => {
            for (const what of ["flight", "hotel", "car"])
              await activity.at("activity:reserve#0")(l.reserve, what, { compensate: [l.release, what] });
            const first = await outcomeOf(compensateAll.at("compensateAll:#0")({ order, onFailure }));
            const again = await outcomeOf(compensateAll.at("compensateAll:#1")({ order, onFailure }));
            return { first, again };
          },
        );
        const env = await createTestEnvironment({
          workflows: [wf],
          activities: l.activities,
          paranoid: true,
        });
        const run = await env.client.start(wf, undefined);
        const result = await run.result();
        const history = await env.client.history(run.runId);
        results[onFailure] = { ...result, released: releases(history).length };
        await replayHistory(wf, history);
        await env.close();
      }
      const both = "CompensationFailure[release car unavailable | release flight unavailable]";
      expect(results).toEqual({
        stop:
          order === "lifo"
            ? // stops at the car (most recent): hotel and flight never run
              {
                first: "ActivityFailure(release car unavailable)",
                again: "ActivityFailure(release car unavailable)",
                released: 1,
              }
            : // all were issued together; the first failure, most recent first, is reported
              {
                first: "ActivityFailure(release car unavailable)",
                again: "ActivityFailure(release car unavailable)",
                released: 3,
              },
        continue: { first: both, again: both, released: 3 },
      });
    });
  }

  it("a CompensationFailure ends the run failed with code CTM_COMPENSATION_FAILURE and every failure kept", async () => {
    const l = ledger();
    l.broken.add("hotel");
    l.broken.add("flight");
    const wf = workflow.stamped(stamp("policy-fail-run"))("undo.fail-run", { version: 1 }, async () => {
      for (const what of ["flight", "hotel"])
        await activity.at("activity:reserve#0")(l.reserve, what, { compensate: [l.release, what] });
      await compensateAll.at("compensateAll:#0")({ onFailure: "continue" });
      return "clean";
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities });
    const run = await env.client.start(wf, undefined);
    const failure = await run.result().then(
      () => undefined,
      (e: unknown) =>
        e as Error & { cause?: Error & { code?: string; failures?: unknown[]; data?: unknown } },
    );
    expect(failure?.cause?.code).toBe(ErrorCode.CompensationFailure);
    expect(failure?.cause?.failures).toHaveLength(2);
    expect(failure?.cause?.data).toEqual({ failed: 2 });
    await env.close();
  });

  it("rejects an unknown failure policy at the call", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("bad-policy"))("undo.bad-policy", { version: 1 }, async () => {
      try {
        await compensateAll.at("compensateAll:#0")({ onFailure: "ignore" as never });
        return "accepted";
      } catch (e) {
        return (e as { code?: string }).code;
      }
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities });
    expect(await (await env.client.start(wf, undefined)).result()).toBe(ErrorCode.InvalidArgument);
    await env.close();
  });
});
