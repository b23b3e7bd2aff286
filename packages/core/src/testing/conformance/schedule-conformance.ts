import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { ScheduleAlreadyExistsError, ScheduleNotFoundError } from "../../errors/schedule-errors.ts";
import type { Journal, ScheduleRecord, ScheduleSpec } from "../../journal/journal.ts";
import { fireWorkflowId, jitterOf } from "../../journal/schedule-plan.ts";
import type { HarnessRef, JournalHarness } from "./conformance-harness.ts";
import { expectRejects, namespace } from "./conformance-harness.ts";

const hour = 3_600_000;

function spec(overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return { everyMs: hour, timezone: "UTC", overlap: "allow", catchupWindowMs: 0, jitterMs: 0, ...overrides };
}

/**
 * A schedule whose next fire time is at least a minute away (the database clock keeps ticking
 * during the test, so a fire time a few ms ahead would make "not due yet" a race).
 */
async function schedule(
  harness: JournalHarness,
  name: string,
  overrides: Partial<ScheduleSpec> = {},
): Promise<ScheduleRecord> {
  const { journal, advance } = harness;
  const request = {
    namespace,
    name,
    spec: spec(overrides),
    workflowName: "wf",
    versionHash: "v1",
    input: { n: 1 },
  };
  let { schedule: created } = await journal.upsertSchedule({ ...request, specHash: "h1" });
  if ((created.nextFireAt ?? Infinity) - (await journal.now()) < 60_000) {
    await advance(120_000);
    ({ schedule: created } = await journal.upsertSchedule({ ...request, specHash: "h2" }));
  }
  return created;
}

/** Moves the clock just past `at` (the clock moved by the database meanwhile is only ahead). */
async function advanceTo(harness: JournalHarness, at: number): Promise<void> {
  const now = await harness.journal.now();
  if (at >= now) await harness.advance(at - now + 1);
}

async function fire(journal: Journal) {
  return journal.fireDueSchedules({ limit: 10 });
}

/** Schedules: stored definitions, fired exactly once per fire time, with overlap and catch-up. */
export function scheduleConformance(h: HarnessRef): void {
  describe("schedules", () => {
    it("upsert creates once, is idempotent on an unchanged definition, and recomputes on a changed one", async () => {
      const { journal } = h();
      const now = await journal.now();
      const base = { namespace, name: "s", spec: spec(), workflowName: "wf", versionHash: "v1", input: null };
      const first = await journal.upsertSchedule({ ...base, specHash: "a" });
      expect(first).toMatchObject({ created: true, updated: false });
      expect(first.schedule).toMatchObject({ name: "s", paused: false, firedCount: 0, skippedCount: 0 });
      expect(first.schedule.nextFireAt).toBe((Math.floor(now / hour) + 1) * hour);
      const again = await journal.upsertSchedule({ ...base, specHash: "a", paused: true });
      expect(again).toMatchObject({ created: false, updated: false });
      expect(again.schedule.paused).toBe(false);
      const changed = await journal.upsertSchedule({
        ...base,
        spec: spec({ everyMs: 2 * hour }),
        specHash: "b",
      });
      expect(changed).toMatchObject({ created: false, updated: true });
      expect(changed.schedule.spec.everyMs).toBe(2 * hour);
      expect(await journal.getSchedule(namespace, "s")).toEqual(changed.schedule);
      expect((await journal.listSchedules(namespace)).map((s) => s.name)).toEqual(["s"]);
      await expectRejects(
        journal.upsertSchedule({ ...base, specHash: "c", mode: "create" }),
        ErrorCode.ScheduleAlreadyExists,
        ScheduleAlreadyExistsError,
      );
      await expectRejects(
        journal.upsertSchedule({ ...base, name: "missing", specHash: "c", mode: "update" }),
        ErrorCode.ScheduleNotFound,
        ScheduleNotFoundError,
      );
      expect(await journal.deleteSchedule(namespace, "s")).toBe(true);
      expect(await journal.deleteSchedule(namespace, "s")).toBe(false);
      expect(await journal.getSchedule(namespace, "s")).toBeUndefined();
    });

    it("a due fire starts exactly one run, with the fire's workflow id, and advances the next fire time", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "hourly");
      expect(await journal.nextDueAt()).toBe(s.nextFireAt);
      expect(await fire(journal)).toEqual({ fired: [], skipped: [] });
      await advanceTo(harness, s.nextFireAt!);
      const { fired, skipped } = await fire(journal);
      expect(skipped).toEqual([]);
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({
        schedule: "hourly",
        fireAt: s.nextFireAt,
        workflowId: fireWorkflowId("hourly", s.nextFireAt!),
        startAt: s.nextFireAt,
        created: true,
      });
      const run = await journal.getRun(fired[0]!.runId);
      expect(run).toMatchObject({
        workflowName: "wf",
        versionHash: "v1",
        input: { n: 1 },
        status: "running",
      });
      expect(await fire(journal)).toEqual({ fired: [], skipped: [] });
      const after = await journal.getSchedule(namespace, "hourly");
      expect(after).toMatchObject({
        nextFireAt: s.nextFireAt! + hour,
        lastFireAt: s.nextFireAt,
        lastRunId: run!.runId,
        firedCount: 1,
      });
    });

    it("after downtime, fire times inside the catch-up window fire and older ones are skipped as missed", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "catchup", { catchupWindowMs: 2 * hour + 60_000 });
      await advanceTo(harness, s.nextFireAt! + 4 * hour);
      const { fired, skipped } = await fire(journal);
      expect(skipped.map((x) => [x.fireAt, x.reason])).toEqual([
        [s.nextFireAt!, "missed"],
        [s.nextFireAt! + hour, "missed"],
      ]);
      expect(fired.map((x) => x.fireAt)).toEqual([
        s.nextFireAt! + 2 * hour,
        s.nextFireAt! + 3 * hour,
        s.nextFireAt! + 4 * hour,
      ]);
      expect(await journal.getSchedule(namespace, "catchup")).toMatchObject({
        nextFireAt: s.nextFireAt! + 5 * hour,
        firedCount: 3,
        skippedCount: 2,
        lastSkipReason: "missed",
      });
    });

    it("overlap skip: a fire while the previous run is open is skipped; after it ends the next fire starts", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "skip", { overlap: "skip" });
      await advanceTo(harness, s.nextFireAt!);
      const [first] = (await fire(journal)).fired;
      await advanceTo(harness, s.nextFireAt! + hour);
      expect((await fire(journal)).skipped).toMatchObject([
        { fireAt: s.nextFireAt! + hour, reason: "overlap" },
      ]);
      await journal.requestCancel(first!.runId, "done", { force: true });
      await advanceTo(harness, s.nextFireAt! + 2 * hour);
      expect((await fire(journal)).fired.map((x) => x.fireAt)).toEqual([s.nextFireAt! + 2 * hour]);
    });

    it("overlap buffer_one: one fire waits for the previous run to end, later ones are skipped", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "buffer", { overlap: "buffer_one" });
      await advanceTo(harness, s.nextFireAt!);
      const [first] = (await fire(journal)).fired;
      await advanceTo(harness, s.nextFireAt! + hour);
      expect(await fire(journal)).toEqual({ fired: [], skipped: [] });
      expect((await journal.getSchedule(namespace, "buffer"))?.bufferedFireAt).toBe(s.nextFireAt! + hour);
      await advanceTo(harness, s.nextFireAt! + 2 * hour);
      expect((await fire(journal)).skipped).toMatchObject([
        { fireAt: s.nextFireAt! + 2 * hour, reason: "overlap" },
      ]);
      await journal.requestCancel(first!.runId, "done", { force: true });
      const { fired } = await fire(journal);
      expect(fired.map((x) => x.fireAt)).toEqual([s.nextFireAt! + hour]);
      expect((await journal.getSchedule(namespace, "buffer"))?.bufferedFireAt).toBeUndefined();
    });

    it("overlap cancel_other: the previous run is asked to cancel, then the fire starts", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "cancel", { overlap: "cancel_other" });
      await advanceTo(harness, s.nextFireAt!);
      const [first] = (await fire(journal)).fired;
      await advanceTo(harness, s.nextFireAt! + hour);
      const [second] = (await fire(journal)).fired;
      expect(second?.fireAt).toBe(s.nextFireAt! + hour);
      const claims = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 });
      const firstClaim = claims.find((c) => c.run.runId === first!.runId);
      expect(firstClaim?.inbox.map((item) => item.event.kind)).toEqual(["cancel_requested"]);
    });

    it("a paused schedule does not fire and is not due; resuming fires from now on, not the paused ones", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "paused");
      expect((await journal.setSchedulePaused(namespace, "paused", true)).paused).toBe(true);
      expect(await journal.nextDueAt()).toBeUndefined();
      await advanceTo(harness, s.nextFireAt! + hour);
      expect(await fire(journal)).toEqual({ fired: [], skipped: [] });
      const resumed = await journal.setSchedulePaused(namespace, "paused", false);
      expect(resumed.nextFireAt).toBeGreaterThan(s.nextFireAt! + hour);
      await expectRejects(
        journal.setSchedulePaused(namespace, "nope", true),
        ErrorCode.ScheduleNotFound,
        ScheduleNotFoundError,
      );
    });

    it("trigger fires now; backfill starts every fire time in a range once, and a repeated backfill starts none", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "bf");
      const trigger = await journal.fireSchedule({ kind: "trigger", namespace, name: "bf" });
      expect(trigger.fired).toHaveLength(1);
      const from = s.nextFireAt! - 10 * hour;
      const to = s.nextFireAt! - 6 * hour;
      const backfill = await journal.fireSchedule({
        kind: "backfill",
        namespace,
        name: "bf",
        fromMs: from,
        toMs: to,
      });
      expect(backfill.fired.map((x) => x.fireAt)).toEqual([
        from,
        from + hour,
        from + 2 * hour,
        from + 3 * hour,
        to,
      ]);
      const repeated = await journal.fireSchedule({
        kind: "backfill",
        namespace,
        name: "bf",
        fromMs: from,
        toMs: to,
      });
      expect(repeated.fired).toEqual([]);
      expect(repeated.skipped.map((x) => x.reason)).toEqual(Array(5).fill("duplicate"));
      expect((await journal.getSchedule(namespace, "bf"))?.nextFireAt).toBe(s.nextFireAt);
      await expectRejects(
        journal.fireSchedule({ kind: "trigger", namespace, name: "nope" }),
        ErrorCode.ScheduleNotFound,
        ScheduleNotFoundError,
      );
    });

    it("jitter delays each fire's run by its deterministic offset (a delayed start)", async () => {
      const harness = h();
      const { journal } = harness;
      const s = await schedule(harness, "jittered", { jitterMs: 600_000 });
      await advanceTo(harness, s.nextFireAt!);
      const [fired] = (await fire(journal)).fired;
      const offset = jitterOf("jittered", s.nextFireAt!, 600_000);
      expect(fired?.startAt).toBe(s.nextFireAt! + offset);
      const run = await journal.getRun(fired!.runId);
      if (offset > 0) expect(run?.startAt).toBe(s.nextFireAt! + offset);
      else expect(run?.startAt).toBeUndefined();
    });
  });
}
