import { describe, expect, it } from "vitest";
import type { Journal, RunClaim, StepCommit } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  inboxOf,
  runWithTasks,
  scheduledEvent,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";

/** Claims tasks and returns the identities of `runId`'s claimed tasks, sorted. */
async function claimableIdentities(journal: Journal, runId: string): Promise<string[]> {
  const claims = await journal.claimTasks({ owner: "worker-1", limit: 100 });
  return claims
    .filter((c) => c.runId === runId)
    .map((c) => c.identity)
    .sort();
}

/** A second step for `runId` (made ready by a signal), with `extra` merged into the commit. */
async function nextStep(
  journal: Journal,
  runId: string,
  extra: (claim: RunClaim) => Partial<StepCommit>,
): Promise<void> {
  await journal.sendSignal({ runId, name: "next", payload: null });
  const claim = await claimRun(journal, runId);
  await journal.commitStep({ ...stepCommit(claim), ...extra(claim) });
}

/**
 * What happens to activity tasks a run no longer wants: `StepCommit.cancelTasks` (a cancelled
 * saga's queued calls), and the tasks a run's last step issues without awaiting them (kept,
 * detached) while the rest of its queued work is dropped.
 */
export function taskCancellationConformance(h: HarnessRef): void {
  describe("commitStep cancelTasks", () => {
    it("deletes the run's waiting tasks with those identities; siblings, other runs, unknown ids and running attempts are left alone", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [
        task("activity:a#0@0"),
        task("activity:b#0@0"),
        task("activity:c#0@0", "slow"),
      ]);
      await runWithTasks(journal, [task("activity:a#0@0")]); // another run, same identity
      const [running] = await journal.claimTasks({ owner: "worker-1", limit: 10, activityNames: ["slow"] });
      expect(running?.identity).toBe("activity:c#0@0");
      await nextStep(journal, runId, () => ({
        cancelTasks: ["activity:a#0@0", "activity:c#0@0", "activity:nope#0@0"],
      }));
      const claims = await journal.claimTasks({ owner: "worker-1", limit: 100 });
      expect(claims.map((c) => `${c.runId === runId ? "run" : "other"} ${c.identity}`).sort()).toEqual([
        "other activity:a#0@0",
        "run activity:b#0@0",
      ]);
      // c's attempt runs on and its result reaches the run as usual.
      await journal.finishTask(running!, { kind: "completed", result: "c-done" });
      expect((await inboxOf(journal, runId)).map((i) => i.event)).toContainEqual({
        kind: "activity_completed",
        identity: "activity:c#0@0",
        result: "c-done",
        attempts: 1,
      });
    });

    it("a task waiting for its retry is cancelled too", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task("activity:a#0@0")]);
      const first = await claimTask(journal, runId, "activity:a#0@0");
      await journal.finishTask(first, {
        kind: "retry",
        error: { name: "Error", message: "flaky" },
        delayMs: 5_000,
      });
      await nextStep(journal, runId, () => ({ cancelTasks: ["activity:a#0@0"] }));
      await advance(10_000);
      expect(await claimableIdentities(journal, runId)).toEqual([]);
      expect(await journal.nextDueAt()).toBeUndefined();
    });
  });

  describe("tasks issued by the step that ends the run (detached)", () => {
    it("completed: queued work is dropped, the last step's calls stay claimable and their results go nowhere", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task("activity:queued#0@0")]);
      const notify = task("activity:notify#0@0", "notify", ["ops@example.com"]);
      await nextStep(journal, runId, (claim) => ({
        events: [claim.inbox[0]!.event, scheduledEvent(notify), { kind: "run_completed", result: "done" }],
        tasks: [notify],
        run: { status: "completed", result: "done" },
      }));
      const claims = await journal.claimTasks({ owner: "worker-1", limit: 100 });
      expect(claims.map((c) => [c.runId, c.identity, c.activityName, c.args])).toEqual([
        [runId, "activity:notify#0@0", "notify", ["ops@example.com"]],
      ]);
      const lastSeq = (await journal.getRun(runId))?.lastSeq;
      await journal.finishTask(claims[0]!, { kind: "completed", result: "sent" });
      const after = await journal.getRun(runId);
      expect(after?.status).toBe("completed");
      expect(after?.lastSeq).toBe(lastSeq);
      expect(await journal.nextDueAt()).toBeUndefined();
    });

    it("a detached task is retried like any other", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const notify = task("activity:notify#0@0", "notify");
      await stepOnce(journal, run.runId, {
        tasks: [notify],
        events: [scheduledEvent(notify), { kind: "run_failed", error: { name: "Error", message: "boom" } }],
        status: "failed",
        error: { name: "Error", message: "boom" },
      });
      const first = await claimTask(journal, run.runId, "activity:notify#0@0");
      await journal.finishTask(first, {
        kind: "retry",
        error: { name: "Error", message: "smtp down" },
        delayMs: 1_000,
      });
      await advance(1_500);
      const second = await claimTask(journal, run.runId, "activity:notify#0@0");
      expect(second.attempt).toBe(2);
    });

    it("cancelled: work the cancellation found queued is dropped, calls issued while handling it run", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task("activity:charge#0@0", "charge")]);
      await journal.requestCancel(runId, "changed my mind");
      const claim = await claimRun(journal, runId);
      const apology = task("activity:apologize#0@0", "apologize");
      await journal.commitStep({
        ...stepCommit(claim),
        events: [claim.inbox[0]!.event, scheduledEvent(apology), { kind: "run_cancelled" }],
        tasks: [apology],
        run: { status: "cancelled" },
      });
      expect(await claimableIdentities(journal, runId)).toEqual(["activity:apologize#0@0"]);
    });
  });
}
