import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type { StepCommit, StepCommitResult } from "../journal.ts";
import type { BatchableStep } from "./commit-steps-in-batch.ts";
import { createGroupCommit, type GroupCommitWriters } from "./group-commit.ts";

/** A step for run `runId` (only the fields the group commit itself reads matter here). */
function step(runId: string, lastSeq = 1): BatchableStep {
  return {
    lease: { runId, owner: "engine-a", fencingToken: 1 },
    lastSeq,
    runVersion: "7",
  } as unknown as BatchableStep;
}

function resultOf(s: StepCommit, via: string): StepCommitResult {
  return { lastSeq: s.lastSeq + 1, now: 0, runVersion: `${s.lease.runId}:${via}` };
}

/** Writers whose statements finish only when the test says so, recording what was sent. */
function gatedWriters(
  batchOutcome: (steps: readonly BatchableStep[]) => (StepCommitResult | undefined)[] | Error = (steps) =>
    steps.map((s) => resultOf(s, "batch")),
  aloneOutcome: (s: StepCommit) => StepCommitResult | Error = (s) => resultOf(s, "alone"),
) {
  const sent: string[][] = [];
  const gates: (() => void)[] = [];
  const gate = () => new Promise<void>((resolve) => gates.push(resolve));
  const writers: GroupCommitWriters<BatchableStep, StepCommitResult> = {
    commitAlone: async (s) => {
      sent.push([`alone:${s.lease.runId}`]);
      await gate();
      const outcome = aloneOutcome(s);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    commitBatch: async (steps) => {
      sent.push(steps.map((s) => s.lease.runId));
      await gate();
      const outcome = batchOutcome(steps);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  /** Lets the oldest statement in flight finish, then lets the event loop move. */
  const finishOne = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { writers, sent, finishOne };
}

/** Lets the writes sent so far reach their writers (nothing finishes before its gate opens). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  it("a lone step goes out at once, alone; steps that arrive meanwhile leave together in one batch", async () => {
    const { writers, sent, finishOne } = gatedWriters();
    const group = createGroupCommit(writers);
    const a = group.commit(step("a"));
    const rest = ["b", "c", "d"].map((id) => group.commit(step(id)));
    await turn();
    expect(sent).toEqual([["alone:a"]]);
    await finishOne();
    expect(await a).toEqual(resultOf(step("a"), "alone"));
    expect(sent).toEqual([["alone:a"], ["b", "c", "d"]]);
    await finishOne();
    expect(await Promise.all(rest)).toEqual(["b", "c", "d"].map((id) => resultOf(step(id), "batch")));
  });

  it("a step the batch did not write is committed alone, and only its caller sees its error", async () => {
    const refused = new Error("lease lost");
    const { writers, sent, finishOne } = gatedWriters(
      (steps) => steps.map((s) => (s.lease.runId === "c" ? undefined : resultOf(s, "batch"))),
      (s) => (s.lease.runId === "c" ? refused : resultOf(s, "alone")),
    );
    const group = createGroupCommit(writers);
    const first = group.commit(step("a"));
    const batch = Promise.allSettled(["b", "c", "d"].map((id) => group.commit(step(id))));
    await finishOne();
    await first;
    await finishOne();
    await finishOne();
    const settled = await batch;
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBe(refused);
    expect(sent).toEqual([["alone:a"], ["b", "c", "d"], ["alone:c"]]);
  });

  it("when the batch statement fails, every step of it is committed alone", async () => {
    const { writers, sent, finishOne } = gatedWriters(() => new Error("deadlock detected"));
    const group = createGroupCommit(writers);
    const first = group.commit(step("a"));
    const batch = ["b", "c"].map((id) => group.commit(step(id)));
    await finishOne();
    await first;
    await finishOne();
    await finishOne();
    await finishOne();
    expect(await Promise.all(batch)).toEqual(["b", "c"].map((id) => resultOf(step(id), "alone")));
    expect(sent).toEqual([["alone:a"], ["b", "c"], ["alone:b"], ["alone:c"]]);
  });

  it("a batch that may have committed (a lost connection) fails every write with the error, none is made again", async () => {
    const lost = Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
    const { writers, sent, finishOne } = gatedWriters(() => lost);
    const group = createGroupCommit({ ...writers, failedBeforeCommit: (error) => error !== lost });
    const first = group.commit(step("a"));
    const batch = Promise.allSettled(["b", "c"].map((id) => group.commit(step(id))));
    await finishOne();
    await first;
    await finishOne();
    expect((await batch).map((s) => (s.status === "rejected" ? s.reason : s.value))).toEqual([lost, lost]);
    expect(sent).toEqual([["alone:a"], ["b", "c"]]);
  });

  it("a writer that throws at once still settles its caller", async () => {
    const broken = new Error("thrown before any promise");
    const group = createGroupCommit<BatchableStep, StepCommitResult>({
      commitAlone: () => {
        throw broken;
      },
      commitBatch: async () => [],
    });
    await expect(group.commit(step("a"))).rejects.toBe(broken);
    // And the group goes on: the next write is sent too.
    await expect(group.commit(step("b"))).rejects.toBe(broken);
  });

  it("maxBatch splits a long queue; maxInFlight lets that many statements run at once", async () => {
    const { writers, sent, finishOne } = gatedWriters();
    const group = createGroupCommit(writers, { maxBatch: 2, maxInFlight: 2 });
    const all = ["a", "b", "c", "d", "e", "f"].map((id) => group.commit(step(id)));
    // Two go out at once (two in flight); the other four wait in batches of two.
    await turn();
    expect(sent).toEqual([["alone:a"], ["alone:b"]]);
    await finishOne();
    expect(sent).toEqual([["alone:a"], ["alone:b"], ["c", "d"]]);
    await finishOne();
    await finishOne();
    await finishOne();
    expect(sent).toEqual([["alone:a"], ["alone:b"], ["c", "d"], ["e", "f"]]);
    expect((await Promise.all(all)).map((r) => r.runVersion)).toEqual([
      "a:alone",
      "b:alone",
      "c:batch",
      "d:batch",
      "e:batch",
      "f:batch",
    ]);
  });

  it("gatherOneTurn: a first write waits one turn of the event loop, so writes of that turn leave together", async () => {
    const { writers, sent, finishOne } = gatedWriters();
    const group = createGroupCommit(writers, { gatherOneTurn: true });
    const first = ["a", "b", "c"].map((id) => group.commit(step(id)));
    expect(sent).toEqual([]);
    await finishOne();
    expect(sent).toEqual([["a", "b", "c"]]);
    expect((await Promise.all(first)).map((r) => r.runVersion)).toEqual(["a:batch", "b:batch", "c:batch"]);
    // A lone write still goes out, one turn later, through the one-run path.
    const lone = group.commit(step("d"));
    await finishOne();
    expect((await lone).runVersion).toBe("d:alone");
    expect(sent).toEqual([["a", "b", "c"], ["alone:d"]]);
  });

  it("refuses counts that would never send a step, naming the option", () => {
    const { writers } = gatedWriters();
    for (const bad of [
      { maxInFlight: 0 },
      { maxInFlight: Number.NaN },
      { maxBatch: 1.5 },
      { maxBatch: -1 },
    ]) {
      expect(() => createGroupCommit(writers, bad)).toThrowError(
        expect.objectContaining({
          code: ErrorCode.InvalidNumber,
          message: expect.stringContaining("groupCommit."),
        }),
      );
    }
  });
});
