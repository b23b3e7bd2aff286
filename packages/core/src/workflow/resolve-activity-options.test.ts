import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { retryDelayMs } from "../model/index.ts";
import { days, defineActivity, hours, minutes, resolveActivityOptions, seconds } from "./index.ts";

describe("resolveActivityOptions()", () => {
  it("applies the documented defaults", () => {
    expect(resolveActivityOptions(undefined)).toEqual({
      retry: {
        maxAttempts: 3,
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
        nonRetryableErrors: [],
      },
      startToCloseMs: 60_000,
    });
  });

  it("lets the call win over the definition, field by field, and the definition over the defaults", () => {
    const resolved = resolveActivityOptions(
      {
        retry: { maxAttempts: 5, initialIntervalMs: 200, nonRetryableErrors: ["Declined"] },
        timeoutMs: 30_000,
        heartbeatTimeoutMs: 5_000,
      },
      {
        retry: { maxAttempts: 2 },
        timeoutMs: 1_000,
        compensate: { activityName: "payments.refund", args: ["o1"] },
      },
    );
    expect(resolved).toEqual({
      retry: {
        maxAttempts: 2,
        initialIntervalMs: 200,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
        nonRetryableErrors: ["Declined"],
      },
      startToCloseMs: 1_000,
      heartbeatTimeoutMs: 5_000,
      compensate: { activityName: "payments.refund", args: ["o1"] },
    });
    expect(retryDelayMs(resolved.retry, 1)).toBe(200);
    expect(retryDelayMs(resolved.retry, 3)).toBe(800);
    // Overflowing backoff stays a storable number: capped, or zero for a zero interval.
    const huge = { ...resolved.retry, backoffCoefficient: 1e300 };
    expect(retryDelayMs(huge, 3)).toBe(huge.maxIntervalMs);
    expect(retryDelayMs({ ...huge, initialIntervalMs: 0 }, 3)).toBe(0);
  });

  it("computes the idempotency key from the arguments unless the call fixes one", () => {
    const definition = { idempotencyKey: (orderId: string, total: number) => `charge:${orderId}:${total}` };
    expect(resolveActivityOptions(definition, undefined, ["o1", 5]).idempotencyKey).toBe("charge:o1:5");
    expect(resolveActivityOptions(definition, { idempotencyKey: "fixed" }, ["o1", 5]).idempotencyKey).toBe(
      "fixed",
    );
    expect(resolveActivityOptions({}, undefined, []).idempotencyKey).toBeUndefined();
  });

  it("refuses bad call options with CTM_INVALID_ARGUMENT naming the field", () => {
    for (const bad of [
      { timeoutMs: 0 },
      { retry: { maxAttempts: 1.5 } },
      // One past the journal's 32-bit attempt counter (found by the boundary property test).
      { retry: { maxAttempts: 2 ** 31 } },
      { idempotencyKey: "" },
      { retries: 3 },
    ]) {
      try {
        resolveActivityOptions({}, bad as never);
        expect.unreachable();
      } catch (e) {
        expect(isContinuumError(e, ErrorCode.InvalidArgument)).toBe(true);
        expect((e as Error).message).toContain(Object.keys(bad)[0]);
      }
    }
    expect(() => resolveActivityOptions({ idempotencyKey: () => "" }, undefined, [])).toThrow(
      /non-empty string/,
    );
  });

  it("refuses a heartbeat timeout not shorter than the timeout given with it, in a call or a definition", () => {
    for (const bad of [
      { timeoutMs: 1_000, heartbeatTimeoutMs: 1_000 },
      { timeoutMs: 1_000, heartbeatTimeoutMs: 5_000 },
    ]) {
      const problem = () => resolveActivityOptions({}, bad);
      expect(problem).toThrow(/options\.heartbeatTimeoutMs.*shorter than the start-to-close timeout/);
      expect(() => defineActivity("hb.bad", async () => 1, bad)).toThrow(/heartbeatTimeoutMs/);
    }
    // A call may shorten the timeout under the definition's heartbeat timeout: allowed, the
    // earlier deadline wins (see the merge test above).
    expect(resolveActivityOptions({ heartbeatTimeoutMs: 5_000 }, { timeoutMs: 1_000 })).toMatchObject({
      startToCloseMs: 1_000,
      heartbeatTimeoutMs: 5_000,
    });
  });
});

describe("durations", () => {
  it("convert to milliseconds", () => {
    expect(seconds(1.5)).toBe(1_500);
    expect(minutes(2)).toBe(120_000);
    expect(hours(24)).toBe(days(1));
    expect(days(2)).toBe(172_800_000);
  });
});
