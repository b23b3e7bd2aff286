import { describe, expect, it } from "vitest";
import type { NewChildRun } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, start, stepCommit, stepOnce } from "./conformance-harness.ts";

const caller = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "vendor=abc,other=1",
};
const childContext = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01" };

/** The W3C trace context a run is started with: stored, read back, and carried along its chain. */
export function traceContextConformance(h: HarnessRef): void {
  describe("trace context", () => {
    it("a run keeps the trace context it was started with, and one started without has none", async () => {
      const { journal } = h();
      const traced = await start(journal, { traceContext: caller });
      const plain = await start(journal);
      expect(traced.traceContext).toEqual(caller);
      expect((await journal.getRun(traced.runId))?.traceContext).toEqual(caller);
      expect(plain.traceContext).toBeUndefined();
      expect(await journal.getRun(plain.runId)).not.toHaveProperty("traceContext");
      const claimed = await claimRun(journal, traced.runId);
      expect(claimed.run.traceContext).toEqual(caller);
    });

    it("a tracestate-less context reads back without tracestate", async () => {
      const { journal } = h();
      const run = await start(journal, { traceContext: { traceparent: caller.traceparent } });
      expect((await journal.getRun(run.runId))?.traceContext).toEqual({ traceparent: caller.traceparent });
    });

    it("continue-as-new hands the trace context to the successor", async () => {
      const { journal } = h();
      const run = await start(journal, { traceContext: caller });
      const next = crypto.randomUUID();
      await stepOnce(journal, run.runId, {
        events: [{ kind: "run_continued", nextRunId: next, input: 2 }],
        status: "continued",
        continuedTo: next,
      });
      expect((await journal.getRun(next))?.traceContext).toEqual(caller);
    });

    it("a child run gets the trace context its parent's step gives it, or none", async () => {
      const { journal } = h();
      const parent = await start(journal, { traceContext: caller });
      const kid = (n: number, traced: boolean): NewChildRun => ({
        runId: crypto.randomUUID(),
        workflowId: `kid-${n}-${crypto.randomUUID()}`,
        workflowName: "kid",
        versionHash: "k1",
        input: null,
        parentIdentity: `child:kid#${n}@0`,
        parentClosePolicy: "cancel",
        ...(traced ? { traceContext: childContext } : {}),
      });
      const children = [kid(0, true), kid(1, false)];
      const claim = await claimRun(journal, parent.runId);
      await journal.commitStep({
        ...stepCommit(claim, {
          events: children.map((c) => ({
            kind: "child_started" as const,
            identity: c.parentIdentity,
            workflowName: c.workflowName,
            workflowId: c.workflowId,
            runId: c.runId,
            versionHash: c.versionHash,
            input: c.input,
            parentClosePolicy: c.parentClosePolicy,
          })),
        }),
        children,
      });
      expect((await journal.getRun(children[0]!.runId))?.traceContext).toEqual(childContext);
      expect(await journal.getRun(children[1]!.runId)).not.toHaveProperty("traceContext");
    });
  });
}
