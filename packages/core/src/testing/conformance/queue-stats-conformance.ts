import { describe, expect, it } from "vitest";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimTask, runWithTasks, start, task } from "./conformance-harness.ts";

/** Journal.queueStats: what waits for engines, journal-wide. */
export function queueStatsConformance(h: HarnessRef): void {
  describe("queue stats", () => {
    it("an empty journal has nothing waiting, at the journal's time", async () => {
      const { journal } = h();
      const before = await journal.now();
      const stats = await journal.queueStats();
      expect(stats).toEqual({ now: stats.now, dueTasks: 0, runningTasks: 0, readyRuns: 0 });
      expect(stats.now).toBeGreaterThanOrEqual(before);
    });

    it("counts due tasks and their oldest due time, running attempts, abandoned ones, and ready runs", async () => {
      const { journal, advance } = h();
      const before = await journal.now();
      const runId = await runWithTasks(journal, [task("activity:a#0@0"), task("activity:b#0@0")]);
      await start(journal); // never stepped: ready, and nobody holds it (the stepped run is leased)
      const queued = await journal.queueStats();
      expect(queued).toMatchObject({ dueTasks: 2, runningTasks: 0, readyRuns: 1 });
      expect(queued.oldestDueTaskAt).toBeGreaterThanOrEqual(before);
      expect(queued.oldestDueTaskAt).toBeLessThanOrEqual(queued.now);

      await claimTask(journal, runId, "activity:a#0@0"); // claims both
      expect(await journal.queueStats()).toMatchObject({ dueTasks: 0, runningTasks: 2 });

      // Both attempts run past their start-to-close deadline (30 s): abandoned, due again.
      await advance(31_000);
      const abandoned = await journal.queueStats();
      expect(abandoned).toMatchObject({ dueTasks: 2, runningTasks: 0 });
      expect(abandoned.now - (abandoned.oldestDueTaskAt ?? abandoned.now)).toBeGreaterThanOrEqual(1_000);
    });
  });
}
