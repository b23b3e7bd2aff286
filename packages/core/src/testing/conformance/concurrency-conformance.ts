import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  inboxOf,
  namespace,
  runWithTasks,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";

/** Outcomes of racing calls: how many resolved and the codes of those that rejected. */
async function race<T>(calls: ReadonlyArray<() => Promise<T>>): Promise<{ values: T[]; codes: unknown[] }> {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  return {
    values: settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : [])),
    codes: settled.flatMap((s) =>
      s.status === "rejected" ? [(s.reason as { code?: unknown }).code ?? s.reason] : [],
    ),
  };
}

/**
 * Racing callers (several engines, workers and clients on one journal). Memory runs these one
 * after another; a database adapter runs them on separate connections, where they truly race.
 */
export function concurrencyConformance(h: HarnessRef): void {
  describe("racing callers", () => {
    it("concurrent claims never hand one run to two owners", async () => {
      const { journal } = h();
      const runs = await Promise.all(Array.from({ length: 6 }, () => start(journal)));
      const { values } = await race(
        ["a", "b", "c"].map(
          (owner) => () => journal.claimRuns({ owner: `engine-${owner}`, limit: 4, leaseMs: 60_000 }),
        ),
      );
      const claimed = values.flat().map((c) => c.run.runId);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.length).toBe(runs.length);
    });

    it("concurrent task claims never hand one attempt to two workers", async () => {
      const { journal } = h();
      const runId = await runWithTasks(
        journal,
        Array.from({ length: 6 }, (_, i) => task(`activity:act#0@${i}`)),
      );
      const { values } = await race(
        ["1", "2", "3"].map((w) => () => journal.claimTasks({ owner: `worker-${w}`, limit: 4 })),
      );
      const claimed = values.flat();
      expect(new Set(claimed.map((c) => c.taskId)).size).toBe(claimed.length);
      expect(claimed.length).toBe(6);
      expect(claimed.every((c) => c.runId === runId && c.attempt === 1)).toBe(true);
    });

    it("concurrent starts with one workflow id create exactly one run", async () => {
      const { journal } = h();
      const { values } = await race(
        Array.from(
          { length: 4 },
          () => () =>
            journal.startRun({
              namespace,
              workflowId: "once",
              workflowName: "wf",
              versionHash: "v1",
              input: null,
            }),
        ),
      );
      expect(values).toHaveLength(4);
      expect(values.filter((v) => v.created)).toHaveLength(1);
      expect(new Set(values.map((v) => v.run.runId)).size).toBe(1);
      expect((await journal.listRuns({ namespace })).runs).toHaveLength(1);
    });

    it("concurrent signals with one deliveryId are stored once", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, { events: [] });
      const { values } = await race(
        Array.from(
          { length: 4 },
          () => () => journal.sendSignal({ runId: run.runId, name: "pay", payload: 1, deliveryId: "d" }),
        ),
      );
      expect(values.filter((v) => v.accepted)).toHaveLength(1);
      expect(await inboxOf(journal, run.runId)).toHaveLength(1);
    });

    it("concurrent finishes of one attempt: exactly one wins, one inbox item", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task("activity:act#0@0")]);
      const claim = await claimTask(journal, runId, "activity:act#0@0");
      const { values, codes } = await race(
        [1, 2, 3].map((n) => () => journal.finishTask(claim, { kind: "completed", result: n })),
      );
      expect(values).toHaveLength(1);
      expect(codes).toEqual([ErrorCode.StaleAttempt, ErrorCode.StaleAttempt]);
      expect(await inboxOf(journal, runId)).toHaveLength(1);
    });

    it("concurrent commits on one claim: exactly one appends", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const commit = (value: number) => () =>
        journal.commitStep(
          stepCommit(claim, { events: [{ kind: "value_recorded", identity: "now:#0@0", value }] }),
        );
      const { values, codes } = await race([commit(1), commit(2), commit(3)]);
      expect(values).toHaveLength(1);
      expect(codes).toHaveLength(2);
      for (const code of codes) expect([ErrorCode.SequenceConflict, ErrorCode.LeaseLost]).toContain(code);
      expect((await journal.readHistory(run.runId)).map((e) => e.seq)).toEqual([1, 2]);
    });
  });
}
