import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { attr, type AttributeCondition } from "../../model/attribute-query.ts";
import type { Encoded, HistoryEventBody } from "../../model/index.ts";
import type { Journal } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, expectRejects, namespace, start, stepCommit, stepOnce } from "./conformance-harness.ts";

function set(identity: string, attributes: Record<string, Encoded>): HistoryEventBody {
  return { kind: "attributes_set", identity: `setAttributes:#0@${identity}`, attributes };
}

async function found(journal: Journal, where: AttributeCondition): Promise<string[]> {
  const page = await journal.listRuns({ namespace, where, limit: 100 });
  return page.runs.map((r) => r.runId);
}

/**
 * Search attributes set from workflow code (`attributes_set` events, setAttributes): the step
 * that journals the event changes the run's attributes in the same commit, on every journal, so
 * `listRuns({ where })` and `getRun` see the new values once the step commits, and a refused
 * step changes nothing.
 */
export function attributeUpdateConformance(h: HarnessRef): void {
  describe("attribute updates (attributes_set)", () => {
    it("a step's attributes_set events change the run's attributes in that commit, in event order", async () => {
      const { journal } = h();
      const run = await start(journal, { attributes: { customer: "c-1", status: "new", coupon: "X" } });
      const other = await start(journal, { attributes: { customer: "c-2", status: "new" } });
      expect(await found(journal, attr("status").eq("new"))).toHaveLength(2);
      await stepOnce(journal, run.runId, {
        events: [set("0", { status: "charged", total: 120 }), set("1", { total: 99.5, coupon: null })],
      });
      expect((await journal.getRun(run.runId))?.attributes).toEqual({
        customer: "c-1",
        status: "charged",
        total: 99.5,
      });
      expect(await found(journal, attr("status").eq("new"))).toEqual([other.runId]);
      expect(await found(journal, attr("status").eq("charged"))).toEqual([run.runId]);
      // ranges and prefixes read run_attribute_values on SQL (kept by the 0017 trigger)
      expect(await found(journal, attr("total").between(99, 100))).toEqual([run.runId]);
      expect(await found(journal, attr("total").gte(100))).toEqual([]);
      expect(await found(journal, attr("status").startsWith("char"))).toEqual([run.runId]);
      expect(await found(journal, attr("coupon").eq("X"))).toEqual([]);
      const history = await journal.readHistory(run.runId);
      expect(history.map((e) => e.kind)).toEqual(["run_started", "attributes_set", "attributes_set"]);
      expect(history[2]).toMatchObject({ attributes: { total: 99.5, coupon: null } });
    });

    it("a later step overwrites, the order by an attribute follows, and other runs keep theirs", async () => {
      const { journal } = h();
      const a = await start(journal, { attributes: { rank: 1 } });
      const b = await start(journal, { attributes: { rank: 2 } });
      const { claim, result } = await stepOnce(journal, a.runId, { events: [set("0", { rank: 5 })] });
      // the lease holder's next step (still under the same lease)
      const { runVersion: _stale, ...next } = stepCommit(claim, {
        events: [set("1", { rank: 3 })],
        lastSeq: result.lastSeq,
      });
      await journal.commitStep(
        result.runVersion === undefined ? next : { ...next, runVersion: result.runVersion },
      );
      const page = await journal.listRuns({
        namespace,
        where: attr("rank").gte(1),
        orderBy: { by: "attribute", attribute: "rank", direction: "desc" },
        limit: 10,
      });
      expect(page.runs.map((r) => [r.runId, r.attributes["rank"]])).toEqual([
        [a.runId, 3],
        [b.runId, 2],
      ]);
    });

    it("a step refused (its lastSeq is stale) changes no attribute", async () => {
      const { journal } = h();
      const run = await start(journal, { attributes: { status: "new" } });
      const claim = await claimRun(journal, run.runId);
      const stale = stepCommit(claim, {
        events: [set("0", { status: "stolen" })],
      });
      await journal.commitStep(stepCommit(claim, { events: [set("0", { status: "mine" })] }));
      await expectRejects(journal.commitStep(stale), ErrorCode.SequenceConflict);
      expect((await journal.getRun(run.runId))?.attributes).toEqual({ status: "mine" });
      expect(await found(journal, attr("status").eq("stolen"))).toEqual([]);
    });

    it("a run that sets attributes and continues as new hands the new values to its successor", async () => {
      const { journal } = h();
      const run = await start(journal, { workflowId: "attrs-chain", attributes: { round: 1, tenant: "t" } });
      const next = crypto.randomUUID();
      await stepOnce(journal, run.runId, {
        events: [set("0", { round: 2 }), { kind: "run_continued", nextRunId: next, input: null }],
        status: "continued",
        continuedTo: next,
      });
      expect((await journal.getRun(next))?.attributes).toEqual({ round: 2, tenant: "t" });
      expect(await found(journal, attr("round").eq(2))).toEqual(expect.arrayContaining([run.runId, next]));
    });

    it("a step that completes the run with attributes_set leaves them on the closed run", async () => {
      const { journal } = h();
      const run = await start(journal, { attributes: { status: "new" } });
      await stepOnce(journal, run.runId, {
        events: [set("0", { status: "done" }), { kind: "run_completed", result: 1 }],
        status: "completed",
        result: 1,
      });
      const read = await journal.getRun(run.runId);
      expect(read).toMatchObject({ status: "completed", attributes: { status: "done" } });
      expect(await found(journal, attr("status").eq("done"))).toEqual([run.runId]);
    });
  });
}
