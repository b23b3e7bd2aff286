import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import {
  assertStamped,
  defineActivity,
  isActivityDefinition,
  isWorkflowDefinition,
  workflow,
} from "./index.ts";

const stamp = {
  format: 1 as const,
  versionHash: "abc123",
  cursors: ["sleep:#0"],
  file: "src/a.workflow.ts",
  line: 3,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isContinuumError(e) ? e.code : `not a ContinuumError: ${String(e)}`;
  }
  return undefined;
}

describe("workflow()", () => {
  it("builds a frozen definition carrying name, version and function, without a stamp", () => {
    const fn = async (input: { n: number }) => input.n * 2;
    const def = workflow("double", { version: 2 }, fn);
    expect(def).toMatchObject({ kind: "workflow", name: "double", version: 2, stamp: undefined });
    expect(def.fn).toBe(fn);
    expect(Object.isFrozen(def)).toBe(true);
    expect(isWorkflowDefinition(def)).toBe(true);
    expect(isWorkflowDefinition({ kind: "workflow" })).toBe(false);
  });

  it("workflow.stamped(stamp) attaches the stamp, and assertStamped accepts only stamped definitions", () => {
    const stamped = workflow.stamped(stamp)("order", { version: 1 }, async () => "ok");
    expect(stamped.stamp).toEqual(stamp);
    expect(() => assertStamped(stamped)).not.toThrow();
    const plain = workflow("order", { version: 1 }, async () => "ok");
    expect(codeOf(() => assertStamped(plain))).toBe(ErrorCode.WorkflowNotTransformed);
    try {
      assertStamped(plain);
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toContain('"order"');
      expect(message).toContain("@continuum/transformer");
      expect(message).toContain("--import @continuum/transformer/register");
      expect(message).toContain("vite");
    }
  });

  it("rejects bad names, versions and functions with CTM_INVALID_WORKFLOW_DEFINITION", () => {
    const body = async () => 1;
    expect(codeOf(() => workflow("", { version: 1 }, body))).toBe(ErrorCode.InvalidWorkflowDefinition);
    expect(codeOf(() => workflow(" order", { version: 1 }, body))).toBe(ErrorCode.InvalidWorkflowDefinition);
    expect(codeOf(() => workflow("a\nb", { version: 1 }, body))).toBe(ErrorCode.InvalidWorkflowDefinition);
    expect(codeOf(() => workflow("x".repeat(201), { version: 1 }, body))).toBe(
      ErrorCode.InvalidWorkflowDefinition,
    );
    expect(codeOf(() => workflow(42 as unknown as string, { version: 1 }, body))).toBe(
      ErrorCode.InvalidWorkflowDefinition,
    );
    expect(codeOf(() => workflow("order", { version: 0 }, body))).toBe(ErrorCode.InvalidWorkflowDefinition);
    expect(codeOf(() => workflow("order", { version: 1.5 }, body))).toBe(ErrorCode.InvalidWorkflowDefinition);
    expect(codeOf(() => workflow("order", {} as { version: number }, body))).toBe(
      ErrorCode.InvalidWorkflowDefinition,
    );
    expect(codeOf(() => workflow("order", { version: 1 }, "nope" as unknown as typeof body))).toBe(
      ErrorCode.InvalidWorkflowDefinition,
    );
    expect(codeOf(() => workflow("payments.order/v2:eu", { version: 7 }, body))).toBeUndefined();
  });

  it("rejects stamps of an unknown format", () => {
    expect(codeOf(() => workflow.stamped({ ...stamp, format: 2 } as unknown as typeof stamp))).toBe(
      ErrorCode.InvalidWorkflowDefinition,
    );
    expect(codeOf(() => workflow.stamped({ ...stamp, versionHash: "" }))).toBe(
      ErrorCode.InvalidWorkflowDefinition,
    );
  });
});

describe("defineActivity()", () => {
  it("builds a definition whose arity is the function's parameter count", () => {
    const charge = defineActivity(
      "payments.charge",
      async (orderId: string, total: number) => `${orderId}:${total}`,
      { timeoutMs: 5_000 },
    );
    expect(charge).toMatchObject({
      kind: "activity",
      name: "payments.charge",
      arity: 2,
      options: { timeoutMs: 5_000 },
    });
    expect(isActivityDefinition(charge)).toBe(true);
    expect(isActivityDefinition({ kind: "activity", name: "x" })).toBe(false);
    const none = defineActivity("ping", () => "pong");
    expect(none.arity).toBe(0);
  });

  it("rejects bad names, functions and options with CTM_INVALID_ACTIVITY_DEFINITION", () => {
    const fn = async (a: string) => a;
    expect(codeOf(() => defineActivity("", fn))).toBe(ErrorCode.InvalidActivityDefinition);
    expect(codeOf(() => defineActivity("a", "x" as unknown as typeof fn))).toBe(
      ErrorCode.InvalidActivityDefinition,
    );
    expect(codeOf(() => defineActivity("a", fn, { timeoutMs: -1 }))).toBe(
      ErrorCode.InvalidActivityDefinition,
    );
    expect(codeOf(() => defineActivity("a", fn, { retry: { maxAttempts: 0 } }))).toBe(
      ErrorCode.InvalidActivityDefinition,
    );
    expect(codeOf(() => defineActivity("a", fn, { retry: { backoffCoefficient: 0.5 } }))).toBe(
      ErrorCode.InvalidActivityDefinition,
    );
    expect(
      codeOf(() => defineActivity("a", fn, { retry: { nonRetryableErrors: [1] as unknown as string[] } })),
    ).toBe(ErrorCode.InvalidActivityDefinition);
    expect(codeOf(() => defineActivity("a", fn, { timeout: 5 } as never))).toBe(
      ErrorCode.InvalidActivityDefinition,
    );
    expect(codeOf(() => defineActivity("a", fn, { idempotencyKey: "k" } as never))).toBe(
      ErrorCode.InvalidActivityDefinition,
    );
  });

  it("accepts trailing optional parameters and rejects, at compile time, rest parameters", () => {
    expect(defineActivity("optional", async (a: string, b?: number) => a + String(b)).arity).toBe(2);
    // @ts-expect-error rest parameter: the call options could not be found by position
    defineActivity("rest", async (...ids: string[]) => ids.length);
    expect(
      defineActivity("fixed", async (a: string, b: { retry: number }) => a + String(b.retry)).arity,
    ).toBe(2);
  });
});
