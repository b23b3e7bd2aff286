import { describe, expect, it } from "vitest";
import { decode, encode } from "../../codec/index.ts";
import { ErrorCode } from "../../errors/error-code.ts";
import { RunAlreadyExistsError } from "../../errors/journal-errors.ts";
import type { Encoded } from "../../model/payload.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, expectRejects, namespace, start, stepCommit, stepOnce } from "./conformance-harness.ts";

/** Runs: start, idempotency, records, history, payload fidelity, lookup by workflow id, listing. */
export function runsConformance(h: HarnessRef): void {
  describe("runs", () => {
    it("startRun creates the run and its run_started event at seq 1", async () => {
      const { journal } = h();
      const before = await journal.now();
      const { run, created } = await journal.startRun({
        namespace,
        workflowId: "order-1",
        workflowName: "order",
        versionHash: "hash-1",
        input: { orderId: "o-1" },
        attributes: { customer: "c-9" },
      });
      const after = await journal.now();
      expect(created).toBe(true);
      expect(run).toMatchObject({
        namespace,
        workflowId: "order-1",
        workflowName: "order",
        versionHash: "hash-1",
        status: "running",
        input: { orderId: "o-1" },
        attributes: { customer: "c-9" },
        lastSeq: 1,
      });
      expect(typeof run.runId).toBe("string");
      expect(run.runId.length).toBeGreaterThan(0);
      expect(run.leaseOwner).toBeUndefined();
      expect(run.createdAt).toBeGreaterThanOrEqual(before);
      expect(run.createdAt).toBeLessThanOrEqual(after);
      expect(await journal.getRun(run.runId)).toEqual(run);
      const history = await journal.readHistory(run.runId);
      expect(history).toEqual([
        {
          kind: "run_started",
          workflowName: "order",
          versionHash: "hash-1",
          input: { orderId: "o-1" },
          seq: 1,
          at: run.createdAt,
        },
      ]);
    });

    it("generates distinct workflow ids when none is given, and defaults attributes to {}", async () => {
      const { journal } = h();
      const a = await start(journal);
      const b = await start(journal);
      expect(a.runId).not.toBe(b.runId);
      expect(a.workflowId).toBeTruthy();
      expect(a.workflowId).not.toBe(b.workflowId);
      expect(a.attributes).toEqual({});
    });

    it("is idempotent on (namespace, workflowId): returns the existing run and writes nothing", async () => {
      const { journal } = h();
      const first = await start(journal, { workflowId: "same", input: { v: 1 } });
      const again = await journal.startRun({
        namespace,
        workflowId: "same",
        workflowName: "wf",
        versionHash: "v1",
        input: { v: 2 },
      });
      expect(again.created).toBe(false);
      expect(again.run.runId).toBe(first.runId);
      expect(again.run.input).toEqual({ v: 1 });
      expect(await journal.readHistory(first.runId)).toHaveLength(1);
      expect((await journal.listRuns({ namespace })).runs).toHaveLength(1);
      const otherNamespace = await start(journal, { namespace: "elsewhere", workflowId: "same" });
      expect(otherNamespace.runId).not.toBe(first.runId);
    });

    it("onConflict 'fail' throws RunAlreadyExistsError naming the existing run", async () => {
      const { journal } = h();
      const first = await start(journal, { workflowId: "dup" });
      const error = await expectRejects(
        start(journal, { workflowId: "dup", onConflict: "fail" }),
        ErrorCode.RunAlreadyExists,
        RunAlreadyExistsError,
      );
      expect(error.data).toEqual({ workflowId: "dup", runId: first.runId });
      expect((await journal.listRuns({ namespace })).runs).toHaveLength(1);
    });

    it("keeps parentRunId; unknown runs read as undefined / empty history", async () => {
      const { journal } = h();
      const parent = await start(journal);
      const child = await start(journal, { parentRunId: parent.runId });
      expect((await journal.getRun(child.runId))?.parentRunId).toBe(parent.runId);
      expect(await journal.getRun("no-such-run")).toBeUndefined();
      expect(await journal.readHistory("no-such-run")).toEqual([]);
    });

    it("returns payloads verbatim, key order included (store payloads as json/text, not jsonb)", async () => {
      const { journal } = h();
      const value = {
        zeta: 1,
        alpha: "a\u0000b\ud800",
        nested: { b: [3, 2, 1], a: null, $t: "user key" },
        when: new Date(Date.UTC(2026, 0, 2)),
        big: 2n ** 70n,
        gone: undefined,
        set: new Set(["x"]),
        map: new Map<unknown, unknown>([[1, { z: 1, y: 2 }]]),
        bytes: new Uint8Array([0, 255]),
        odd: [Number.NaN, -0, Number.POSITIVE_INFINITY],
      };
      const input = encode(value, "input");
      const attributes: Record<string, Encoded> = { b: 1, a: "x" };
      const { run } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input,
        attributes,
      });
      const stored = await journal.getRun(run.runId);
      expect(JSON.stringify(stored?.input)).toBe(JSON.stringify(input));
      expect(JSON.stringify((await journal.readHistory(run.runId))[0])).toContain(JSON.stringify(input));
      const back = decode(stored!.input) as typeof value;
      expect(Object.keys(back)).toEqual(Object.keys(value));
      expect(Object.keys(back.nested)).toEqual(["b", "a", "$t"]);
      expect(back.alpha).toBe(value.alpha);
      expect(back.big).toBe(value.big);
      expect(Object.is(back.odd[1], -0)).toBe(true);
      expect(back).toEqual(value);
    });

    it("copies values in and out: callers cannot change stored state", async () => {
      const { journal } = h();
      const input = { list: [1, 2] };
      const run = await start(journal, { input });
      input.list.push(3);
      const read = await journal.getRun(run.runId);
      (read!.input as { list: number[] }).list.push(4);
      const history = await journal.readHistory(run.runId);
      (history[0] as unknown as { input: { list: number[] } }).input.list.push(5);
      expect((await journal.getRun(run.runId))?.input).toEqual({ list: [1, 2] });
      expect((await journal.readHistory(run.runId))[0]).toMatchObject({ input: { list: [1, 2] } });
    });
  });

  describe("history", () => {
    it("appends events gap-free from lastSeq+1 and stamps them with the commit's time", async () => {
      const { journal } = h();
      const run = await start(journal);
      const { result } = await stepOnce(journal, run.runId, {
        events: [
          { kind: "value_recorded", identity: "now:#0@0", value: 1 },
          { kind: "value_recorded", identity: "now:#0@1", value: 2 },
        ],
      });
      expect(result.lastSeq).toBe(3);
      await journal.sendSignal({ runId: run.runId, name: "go", payload: null });
      const claim = await claimRun(journal, run.runId);
      expect(claim.run.lastSeq).toBe(3);
      const second = await journal.commitStep(
        stepCommit(claim, {
          events: [claim.inbox[0]!.event, { kind: "value_recorded", identity: "now:#0@2", value: 3 }],
        }),
      );
      expect(second.lastSeq).toBe(5);
      const history = await journal.readHistory(run.runId);
      expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(history.map((e) => e.kind)).toEqual([
        "run_started",
        "value_recorded",
        "value_recorded",
        "signal_received",
        "value_recorded",
      ]);
      expect(history[1]!.at).toBe(result.now);
      expect(history[4]!.at).toBe(second.now);
      expect((await journal.readHistory(run.runId, 3)).map((e) => e.seq)).toEqual([4, 5]);
      expect(await journal.readHistory(run.runId, 5)).toEqual([]);
      expect((await journal.getRun(run.runId))?.lastSeq).toBe(5);
    });
  });

  describe("lookup and listing", () => {
    it("continue-as-new creates the successor in the same commit; the workflow id then names it", async () => {
      const { journal } = h();
      const parent = await start(journal);
      const first = await start(journal, {
        workflowId: "chain",
        parentRunId: parent.runId,
        attributes: { tenant: "t1" },
        input: { round: 1 },
      });
      expect((await journal.getRunByWorkflowId(namespace, "chain"))?.runId).toBe(first.runId);
      const continueTo = async (runId: string, round: number) => {
        const next = crypto.randomUUID();
        const input = { round, carry: [round] };
        const { result } = await stepOnce(journal, runId, {
          events: [{ kind: "run_continued", nextRunId: next, input }],
          status: "continued",
          continuedTo: next,
        });
        return { next, input, now: result.now };
      };
      const second = await continueTo(first.runId, 2);
      const old = await journal.getRun(first.runId);
      expect(old).toMatchObject({ status: "continued", continuedTo: second.next });
      expect(old?.leaseOwner).toBeUndefined();
      const successor = await journal.getRun(second.next);
      expect(successor).toMatchObject({
        runId: second.next,
        namespace,
        workflowId: "chain",
        workflowName: first.workflowName,
        versionHash: first.versionHash,
        status: "running",
        input: second.input,
        attributes: { tenant: "t1" },
        parentRunId: parent.runId,
        lastSeq: 1,
      });
      expect(await journal.readHistory(second.next)).toEqual([
        {
          kind: "run_started",
          workflowName: first.workflowName,
          versionHash: first.versionHash,
          input: second.input,
          seq: 1,
          at: successor!.createdAt,
        },
      ]);
      const third = await continueTo(second.next, 3);
      expect((await journal.getRunByWorkflowId(namespace, "chain"))?.runId).toBe(third.next);
      const again = await journal.startRun({
        namespace,
        workflowId: "chain",
        workflowName: "wf",
        versionHash: "v1",
        input: null,
      });
      expect(again).toMatchObject({ created: false, run: { runId: third.next } });
      await expectRejects(
        start(journal, { workflowId: "chain", onConflict: "fail" }),
        ErrorCode.RunAlreadyExists,
        RunAlreadyExistsError,
      );
      expect(await journal.getRunByWorkflowId(namespace, "missing")).toBeUndefined();
      expect(await journal.getRunByWorkflowId("other-namespace", "chain")).toBeUndefined();
    });

    it("listRuns filters by namespace, workflow name, status and attribute containment", async () => {
      const { journal } = h();
      const a = await start(journal, {
        workflowName: "order",
        attributes: { customer: { id: "c1", tier: "gold" }, tags: ["x", "y"] },
      });
      const b = await start(journal, {
        workflowName: "order",
        attributes: { customer: { id: "c2" }, tags: ["y"] },
      });
      const c = await start(journal, { workflowName: "refund", attributes: { customer: { id: "c1" } } });
      const d = await start(journal, { namespace: "other", workflowName: "order" });
      await stepOnce(journal, b.runId, {
        events: [{ kind: "run_completed", result: null }],
        status: "completed",
        result: null,
      });
      const ids = async (filter: Parameters<typeof journal.listRuns>[0]) =>
        (await journal.listRuns(filter)).runs.map((r) => r.runId).sort();
      expect(await ids({ namespace })).toEqual([a.runId, b.runId, c.runId].sort());
      expect(await ids({ namespace: "other" })).toEqual([d.runId]);
      expect(await ids({})).toEqual([a.runId, b.runId, c.runId, d.runId].sort());
      expect(await ids({ namespace, workflowName: "order" })).toEqual([a.runId, b.runId].sort());
      expect(await ids({ namespace, status: "completed" })).toEqual([b.runId]);
      expect(await ids({ namespace, status: ["running", "failed"] })).toEqual([a.runId, c.runId].sort());
      expect(await ids({ namespace, attributes: { customer: { id: "c1" } } })).toEqual(
        [a.runId, c.runId].sort(),
      );
      expect(await ids({ namespace, attributes: { customer: { tier: "gold" } } })).toEqual([a.runId]);
      expect(await ids({ namespace, attributes: { tags: ["y"] } })).toEqual([a.runId, b.runId].sort());
      expect(await ids({ namespace, attributes: { tags: ["x"] }, workflowName: "order" })).toEqual([a.runId]);
      expect(await ids({ namespace, attributes: { customer: "c1" } })).toEqual([]);
    });

    it("listRuns pages newest first; each run appears exactly once and the last page has no next", async () => {
      const { journal, advance } = h();
      const started: string[] = [];
      for (let i = 0; i < 5; i++) {
        started.push((await start(journal)).runId);
        await advance(1000);
      }
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await journal.listRuns({
          namespace,
          limit: 2,
          ...(after === undefined ? {} : { after }),
        });
        expect(page.runs.length).toBeLessThanOrEqual(2);
        seen.push(...page.runs.map((r) => r.runId));
        after = page.next;
        pages++;
        expect(pages).toBeLessThan(10);
      } while (after !== undefined);
      expect(seen).toEqual([...started].reverse());
      expect(pages).toBe(3);
    });
  });
}
