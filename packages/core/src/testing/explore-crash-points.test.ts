import { describe, expect, it } from "vitest";
import { activity, defineActivity, now, signal, workflow } from "../workflow/index.ts";
import type { RunHandle } from "../client/create-client.ts";
import { exploreCrashPoints, mockActivity, type TestEnvironment } from "./index.ts";
import { approval, kitActivities, sagaV1 } from "./test-support/kit-fixture.ts";

const stamp = (versionHash: string, cursors: readonly string[]) =>
  ({ format: 1, versionHash, cursors, file: "test/explore.workflow.ts", line: 1 }) as const;

/** Sends money twice over: with a transfer id (deduplicated) and without (not). */
const transfer = defineActivity("explore.transfer", async (_key: string, amount: number) => amount);
const payout = workflow.stamped(stamp("explore-payout-v1", ["activity:explore.transfer#0"]))(
  "explore.payout",
  { version: 1 },
  async (key: string) => activity.at("activity:explore.transfer#0")(transfer, key, 10),
);

describe("crash-point exploration", () => {
  it("a deduplicated activity still runs again where a crash hid its result; its effect is applied once", async () => {
    const applied = new Map<string, number>();
    const report = await exploreCrashPoints(payout, "t-1", {
      activityMocks: [
        mockActivity(transfer, (key, amount) => {
          // The effect is applied once per key, however often the function runs.
          if (!applied.has(key)) applied.set(key, amount);
          return applied.get(key)!;
        }),
      ],
    });
    expect(report.steps).toBe(2);
    // The function itself still runs again where a crash hid its result: reported as such.
    expect(report.unsafe.map((p) => p.description)).toEqual([
      "crash after step 1",
      "crash after activity attempt 1 ran, before its result was recorded",
    ]);
    expect(
      report.unsafe.every((p) => p.differences.every((d) => d.startsWith("explore.transfer ran 2"))),
    ).toBe(true);
    expect([...applied.values()]).toEqual([10]);
  });

  it("is deterministic: the same seed samples the same points", async () => {
    const run = (seed: number) =>
      exploreCrashPoints(sagaV1, "s", { activities: kitActivities, maxPoints: 3, seed });
    const [a, b, c] = await Promise.all([run(7), run(7), run(8)]);
    expect(a.explored.map((p) => p.point)).toEqual(b.explored.map((p) => p.point));
    expect(a.explored).toHaveLength(3);
    expect(c.explored.map((p) => p.description)).not.toEqual(a.explored.map((p) => p.description));
  });

  it("fails clearly when the clean run cannot finish", async () => {
    const failing = defineActivity(
      "explore.fails",
      async () => {
        throw Object.assign(new Error("no"), { name: "Permanent" });
      },
      { retry: { maxAttempts: 1 } },
    );
    const flow = workflow.stamped(stamp("explore-fail-v1", ["activity:explore.fails#0"]))(
      "explore.fail",
      { version: 1 },
      async () => activity.at("activity:explore.fails#0")(failing),
    );
    await expect(exploreCrashPoints(flow, undefined, { activities: [failing] })).rejects.toThrow(
      /the clean run of explore.fail failed/,
    );
  });
});

describe("crash-point exploration with a script", () => {
  it("sends the same signal in every run; a signal-driven workflow is safe at every point", async () => {
    const report = await exploreCrashPoints(approval, "ok", {
      script: async (env, run) => {
        await env.settle();
        await env.sendSignal(run.runId, "approve", "yes");
        const done = await env.waitFor(run, (r) => r.result !== undefined, { skipTime: false });
        return done.result!;
      },
    });
    expect(report.cleanResult).toBe("ok:yes");
    expect(report.steps).toBe(2);
    expect(report.explored.map((p) => p.description)).toEqual(["crash after step 1", "crash after step 2"]);
    expect(report.unsafe).toEqual([]);
  });
});

describe("crash-point exploration and time", () => {
  const stampedAt = workflow.stamped(stamp("explore-time-v1", ["signal:go#0", "now:#0"]))(
    "explore.time",
    { version: 1 },
    async () => {
      await signal.at("signal:go#0")<string>("go");
      return now.at("now:#0")().getTime();
    },
  );
  const script = async (env: TestEnvironment, run: RunHandle<number>) => {
    await env.settle();
    await env.sendSignal(run, "go", "now");
    return run.result();
  };

  it("a new process takes over after the lease TTL: now() read after the crash is later by it", async () => {
    const report = await exploreCrashPoints(stampedAt, undefined, { script });
    expect(report.unsafe.map((p) => p.description)).toEqual(["crash after step 1"]);
    expect(report.unsafe[0]!.differences.join("\n")).toMatch(
      /the result differs: 1767225630001 instead of 1767225600000/,
    );
  });

  it("a restart with the same owner id moves no time: every point is safe", async () => {
    const report = await exploreCrashPoints(stampedAt, undefined, { script, sameOwner: true });
    expect(report.explored).toHaveLength(2);
    expect(report.unsafe).toEqual([]);
  });
});
