import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import type { HistoryEvent } from "../model/index.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { EngineSimulator, testStamp } from "./test-support/engine-simulator.ts";

const charge = defineActivity(
  "payments.charge",
  async (orderId: string, total: number) => `r-${orderId}-${total}`,
  {
    retry: { maxAttempts: 5 },
    timeoutMs: 30_000,
    idempotencyKey: (orderId, total) => `charge:${orderId}:${total}`,
  },
);
const refund = defineActivity(
  "payments.refund",
  async (orderId: string, reason: string) => `${orderId}:${reason}`,
);
const configure = defineActivity(
  "config.apply",
  async (settings: { timeoutMs: number; retry: string }) => settings.retry,
);
const notify = defineActivity(
  "customers.notify",
  async (customerId: string, note?: { timeoutMs: number }) => `${customerId}:${note?.timeoutMs ?? "-"}`,
);
const stamped = workflow.stamped(testStamp(["activity:x#0"]));

function scheduled(sim: EngineSimulator): Array<HistoryEvent & { kind: "activity_scheduled" }> {
  return sim.history.filter(
    (e): e is HistoryEvent & { kind: "activity_scheduled" } => e.kind === "activity_scheduled",
  );
}

describe("activity() call options", () => {
  it("journals arguments, merged options, the idempotency key and the compensation", async () => {
    const wf = stamped("calls", { version: 1 }, async () => {
      await Promise.all([
        activity.at("activity:charge#0")(charge, "o1", 10),
        activity.at("activity:charge#1")(charge, "o2", 20, {
          timeoutMs: 1_000,
          retry: { maxAttempts: 2 },
          idempotencyKey: "custom",
          compensate: [refund, "o2", "rollback"],
        }),
      ]);
      return "ok";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    const [plain, withOptions] = scheduled(sim);
    expect(plain).toMatchObject({
      activityName: "payments.charge",
      args: ["o1", 10],
      options: {
        retry: { maxAttempts: 5, initialIntervalMs: 1_000 },
        startToCloseMs: 30_000,
        idempotencyKey: "charge:o1:10",
      },
    });
    expect(plain?.options).not.toHaveProperty("compensate");
    expect(withOptions).toMatchObject({
      args: ["o2", 20],
      options: {
        retry: { maxAttempts: 2, initialIntervalMs: 1_000, backoffCoefficient: 2 },
        startToCloseMs: 1_000,
        idempotencyKey: "custom",
        compensate: { activityName: "payments.refund", args: ["o2", "rollback"] },
      },
    });
  });

  it("takes a trailing object as options only at the index after the last parameter", async () => {
    const wf = stamped("object-param", { version: 1 }, async () => {
      await Promise.all([
        // The activity's own parameter looks like options, and is still its argument.
        activity.at("activity:configure#0")(configure, { timeoutMs: 5, retry: "never" }),
        activity.at("activity:configure#1")(configure, { timeoutMs: 5, retry: "never" }, { timeoutMs: 7 }),
      ]);
      return "ok";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    const [first, second] = scheduled(sim);
    expect(first).toMatchObject({
      args: [{ timeoutMs: 5, retry: "never" }],
      options: { startToCloseMs: 60_000 },
    });
    expect(second).toMatchObject({
      args: [{ timeoutMs: 5, retry: "never" }],
      options: { startToCloseMs: 7 },
    });
  });

  it("lets trailing optional parameters be left out; options then need the left-out slot filled", async () => {
    const wf = stamped("optional-param", { version: 1 }, async () => {
      await Promise.all([
        activity.at("activity:notify#0")(notify, "c1"),
        // an object in the optional parameter's slot is that parameter, not options
        activity.at("activity:notify#1")(notify, "c2", { timeoutMs: 5 }),
        activity.at("activity:notify#2")(notify, "c3", undefined, { timeoutMs: 7 }),
      ]);
      return "ok";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    const [left, object, withOptions] = scheduled(sim);
    expect(left).toMatchObject({ args: ["c1"], options: { startToCloseMs: 60_000 } });
    expect(object).toMatchObject({ args: ["c2", { timeoutMs: 5 }], options: { startToCloseMs: 60_000 } });
    // the codec keeps the explicit undefined, so the activity sees the same arguments on every attempt
    expect(withOptions).toMatchObject({ args: ["c3", { $t: "undefined" }], options: { startToCloseMs: 7 } });
  });

  const misuse = async (call: () => Promise<unknown>): Promise<unknown> => {
    const wf = stamped("misuse", { version: 1 }, async () => {
      try {
        await call();
        return "accepted";
      } catch (e) {
        return isContinuumError(e)
          ? `${e.code}: ${(e.data as { argument?: string }).argument ?? ""}`
          : String(e);
      }
    });
    const sim = await EngineSimulator.start(wf, undefined);
    expect(scheduled(sim)).toEqual([]);
    return sim.outcome?.kind === "complete_run" ? sim.outcome.result : sim.outcome;
  };

  it("refuses a wrong number of arguments, a non-object in the options slot and unknown options", async () => {
    const call = activity.at("activity:charge#0") as (...args: unknown[]) => Promise<unknown>;
    expect(await misuse(() => call(charge, "o1", 1, {}, {}))).toBe(`${ErrorCode.InvalidArgument}: arguments`);
    expect(await misuse(() => call(charge, "o1", 1, "fast"))).toBe(
      `${ErrorCode.InvalidArgument}: argument 3 of payments.charge`,
    );
    expect(await misuse(() => call(charge, "o1", 1, { timeout: 5 }))).toBe(
      `${ErrorCode.InvalidArgument}: options.timeout`,
    );
    expect(await misuse(() => call(charge, "o1", 1, { compensate: ["refund"] }))).toBe(
      `${ErrorCode.InvalidArgument}: options.compensate`,
    );
    expect(await misuse(() => call({ name: "fake" }, "o1"))).toBe(
      `${ErrorCode.InvalidArgument}: the first argument`,
    );
    expect(await misuse(() => call(charge, "o1", () => 1))).toBe(`${ErrorCode.Unserializable}: `);
  });
});
