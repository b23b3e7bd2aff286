import { describe, expect, it } from "vitest";
import { activity, defineActivity, isTimeout, sideEffect, signal, workflow } from "../workflow/index.ts";
import type { WorkflowInput, WorkflowOutput } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const charge = defineActivity("payments.charge", async (orderId: string, total: number) => ({
  id: `${orderId}-${total}`,
  total,
}));
const refund = defineActivity("payments.refund", async (orderId: string) => orderId.length);
const notify = defineActivity(
  "customers.notify",
  async (customerId: string, channel?: "sms" | "email", note?: { urgent: boolean }) =>
    `${customerId}:${channel ?? "email"}:${String(note?.urgent)}`,
);

const typed = workflow.stamped(testStamp(["typing"]))(
  "typed",
  { version: 1 },
  async (input: { orderId: string }) => {
    // Arguments and result are inferred from the definition; these annotations are checked by tsc.
    const receipt: { id: string; total: number } = await activity.at("activity:charge#0")(
      charge,
      input.orderId,
      3,
      {
        compensate: [refund, input.orderId],
      },
    );
    const answer: string | symbol = await signal.at("signal:answer#0")<string>("answer", { timeout: 5 });
    const side: number = await sideEffect.at("sideEffect:#0")(() => 4);
    return { receipt, answer: isTimeout(answer) ? "timeout" : answer, side };
  },
);

/** Never called: the lines below are compile-time checks (tsc fails if an expected error disappears). */
export function compileTimeChecks(): void {
  void (async () => {
    // @ts-expect-error wrong argument type
    await activity(charge, "o", "3");
    // @ts-expect-error missing argument
    await activity(charge, "o");
    // @ts-expect-error unknown call option
    await activity(charge, "o", 3, { timeout: 5 });
    // @ts-expect-error compensation arguments must fit the compensating activity
    await activity(charge, "o", 3, { compensate: [refund, 5] });
    // @ts-expect-error the result type is the activity's
    const wrong: number = await activity(charge, "o", 3);
    void wrong;

    // Trailing optional parameters may be left out, as in a plain call.
    const left: string = await activity(notify, "c");
    const some: string = await activity(notify, "c", "sms");
    const all: string = await activity(notify, "c", "sms", { urgent: true });
    const withOptions: string = await activity(notify, "c", "sms", { urgent: true }, { timeoutMs: 5 });
    const skipped: string = await activity(notify, "c", undefined, undefined, { timeoutMs: 5 });
    void [left, some, all, withOptions, skipped];
    await activity(charge, "o", 3, { compensate: [notify, "c"] });
    // @ts-expect-error a required parameter still cannot be left out
    await activity(notify);
    // @ts-expect-error options cannot take a left-out optional parameter's slot: write undefined there
    await activity(notify, "c", { timeoutMs: 5 });
    // @ts-expect-error nor the slot of the last optional parameter (its type is not the options type)
    await activity(notify, "c", "sms", { timeoutMs: 5 });
    // @ts-expect-error the optional parameter keeps its type
    await activity(notify, "c", "fax");
    // @ts-expect-error no argument past the options
    await activity(notify, "c", "sms", { urgent: true }, {}, {});
  });
  const input: WorkflowInput<typeof typed> = { orderId: "o" };
  const output: Promise<WorkflowOutput<typeof typed>> = typed.fn(input);
  void output;
}

describe("typed workflow API", () => {
  it("runs a workflow written against the inferred types", async () => {
    const sim = await EngineSimulator.start(typed, { orderId: "o7" });
    await sim.step([resolve.completed("activity:charge#0@0", { id: "o7-3", total: 3 })]);
    const end = await sim.step([resolve.signal("answer", "yes")]);
    expect(end.outcome).toEqual({
      kind: "complete_run",
      result: { receipt: { id: "o7-3", total: 3 }, answer: "yes", side: 4 },
    });
    expect(typeof compileTimeChecks).toBe("function");
  });
});
