import { afterEach, beforeEach, describe } from "vitest";
import { compositionConformance } from "./conformance/composition-conformance.ts";
import { concurrencyConformance } from "./conformance/concurrency-conformance.ts";
import { deferralConformance } from "./conformance/deferral-conformance.ts";
import { eagerStartConformance } from "./conformance/eager-start-conformance.ts";
import { firstStepConformance } from "./conformance/first-step-conformance.ts";
import { delayedStartConformance } from "./conformance/delayed-start-conformance.ts";
import { scheduleConformance } from "./conformance/schedule-conformance.ts";
import { healthConformance } from "./conformance/health-conformance.ts";
import { heartbeatConformance } from "./conformance/heartbeat-conformance.ts";
import { attemptLeaseConformance } from "./conformance/attempt-lease-conformance.ts";
import { forceCancelConformance } from "./conformance/force-cancel-conformance.ts";
import { inspectorConformance } from "./conformance/inspector-conformance.ts";
import { operatorConformance } from "./conformance/operator-conformance.ts";
import { idReuseConformance } from "./conformance/id-reuse-conformance.ts";
import { taskCancellationConformance } from "./conformance/task-cancellation-conformance.ts";
import { scenarioConformance } from "./conformance/scenario-conformance.ts";
import type {
  HarnessRef,
  JournalConformanceFactory,
  JournalHarness,
} from "./conformance/conformance-harness.ts";
import { runsConformance } from "./conformance/runs-conformance.ts";
import { attributeQueryConformance } from "./conformance/attribute-query-conformance.ts";
import { attributeUpdateConformance } from "./conformance/attribute-update-conformance.ts";
import { retentionConformance } from "./conformance/retention-conformance.ts";
import { stepsConformance } from "./conformance/steps-conformance.ts";
import { stickyConformance } from "./conformance/sticky-conformance.ts";
import { inProcessConformance } from "./conformance/in-process-conformance.ts";
import { groupCommitConformance } from "./conformance/group-commit-conformance.ts";
import { tasksConformance } from "./conformance/tasks-conformance.ts";
import { traceContextConformance } from "./conformance/trace-context-conformance.ts";
import { queueStatsConformance } from "./conformance/queue-stats-conformance.ts";
import { runQueueConformance } from "./conformance/run-queue-conformance.ts";
import { activityQueueConformance } from "./conformance/activity-queue-conformance.ts";
import { versionsConformance } from "./conformance/versions-conformance.ts";
import { wakeupsConformance } from "./conformance/wakeups-conformance.ts";

export type { JournalConformanceFactory, JournalHarness } from "./conformance/conformance-harness.ts";

/**
 * Registers the Journal conformance suite (vitest `describe`/`it` blocks): every rule of the
 * Journal port, checked only through the port, so any adapter can run it. Each test gets a
 * fresh, empty journal from `factory.create()` and moves time only with `advance(ms)`; it
 * never depends on absolute timestamps, and leaves real time a wide margin (seconds) so that
 * database clocks that keep ticking pass too.
 *
 * @example
 * ```ts
 * // memory-journal.test.ts
 * runJournalConformance("memory", {
 *   async create() {
 *     const clock = new ManualClock();
 *     const journal = new MemoryJournal({ clock });
 *     return { journal, advance: async (ms) => clock.advance(ms), close: () => journal.close() };
 *   },
 * });
 * // sql-journal.test.ts: advance(ms) adds ms to the clockOffsetMs the SQL journal adds to now().
 * ```
 */
export function runJournalConformance(name: string, factory: JournalConformanceFactory): void {
  describe(`Journal conformance: ${name}`, () => {
    let current: JournalHarness | undefined;
    beforeEach(async () => {
      current = await factory.create();
    });
    afterEach(async () => {
      const harness = current;
      current = undefined;
      await harness?.close();
    });
    const h: HarnessRef = () => {
      if (current === undefined)
        throw new Error("journal conformance: no harness (factory.create() failed?)");
      return current;
    };
    runsConformance(h);
    attributeQueryConformance(h);
    attributeUpdateConformance(h);
    retentionConformance(h);
    stepsConformance(h);
    tasksConformance(h);
    heartbeatConformance(h);
    attemptLeaseConformance(h);
    forceCancelConformance(h);
    wakeupsConformance(h);
    concurrencyConformance(h);
    scenarioConformance(h);
    compositionConformance(h);
    versionsConformance(h);
    deferralConformance(h);
    taskCancellationConformance(h);
    stickyConformance(h);
    inProcessConformance(h);
    groupCommitConformance(h);
    eagerStartConformance(h);
    firstStepConformance(h);
    operatorConformance(h);
    delayedStartConformance(h);
    scheduleConformance(h);
    idReuseConformance(h);
    traceContextConformance(h);
    queueStatsConformance(h);
    runQueueConformance(h);
    activityQueueConformance(h);
    inspectorConformance(h);
    healthConformance(h);
  });
}
