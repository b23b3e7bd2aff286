import { describe, expect, expectTypeOf, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { defineSignal, signal, workflow } from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";

// The test kit's sendSignal takes the client's overloads: a typed signal definition is checked
// by the compiler and validated at run time, in a test as in production.

const approve = defineSignal(
  "kit.approve",
  (p: unknown): p is { by: string } => typeof (p as { by?: unknown } | null)?.by === "string",
);

const approval = workflow.stamped({
  format: 1,
  versionHash: "kit-typed-approval-1",
  cursors: [],
  file: "packages/core/src/testing/typed-signals-in-kit.test.ts",
  line: 15,
})("kit.typed-approval", { version: 1, signals: [approve] }, async (orderId: string) => {
  const { by } = await signal.at("signal:expr#0")(approve);
  return `${orderId} approved by ${by}`;
});

describe("typed signals through the test kit", () => {
  it("delivers a typed payload and refuses one that fails its validator, storing nothing", async () => {
    const env = await createTestEnvironment({ workflows: [approval] });
    try {
      const run = await env.client.start(approval, "o-1");
      await env.settle();
      const before = (await env.journal.getRun(run.runId))?.lastSeq;

      // @ts-expect-error the payload must be { by: string }
      const refused = await env.sendSignal(run, approve, { by: 42 }).catch((error: unknown) => error);
      expect(isContinuumError(refused, ErrorCode.SignalPayloadInvalid)).toBe(true);
      await env.settle();
      expect((await env.journal.getRun(run.runId))?.lastSeq).toBe(before);

      await env.sendSignal(run, approve, { by: "ann" });
      // Results are typed by the workflow definition, through the handle and through waitFor.
      const done = await env.waitFor(run, (r) => r.status === "completed", { skipTime: false });
      expectTypeOf(done.result).toEqualTypeOf<string | undefined>();
      const result = await run.result();
      expectTypeOf(result).toEqualTypeOf<string>();
      // @ts-expect-error the result is a string
      const wrong: number = result;
      expect([result, wrong]).toEqual(["o-1 approved by ann", "o-1 approved by ann"]);
    } finally {
      await env.close();
    }
  });
});
