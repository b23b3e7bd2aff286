import type { Journal } from "../journal/journal.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import type { ManualEngine } from "../worker/manual-engine.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { CrashPoint } from "./test-environment.ts";

/** What {@link wakePausedEngine} needs. */
export interface PausedEngineWake {
  readonly journal: Journal;
  /** The engine paused at a lease-loss point. */
  readonly paused: ManualEngine;
  /** Where it was paused. */
  readonly at: CrashPoint;
  /** The engine that took its runs over; held while the paused one runs. */
  readonly current: ManualEngine;
  /** Runs to watch. */
  readonly runIds: readonly string[];
  /** Real ms the paused engine's attempts may still run before they are abandoned. */
  readonly drainMs: number;
}

/**
 * The end of a lease loss: wakes the paused engine, lets it finish what it was doing and stops
 * it, with the current engine held meanwhile so that every change seen is the paused engine's.
 * Returns one error per run that someone else had taken over and whose history or status it
 * changed anyway: a write its fencing should have refused. Runs it still holds (a lease that
 * expired but that nobody claimed is still good) are its to go on with.
 */
export async function wakePausedEngine(wake: PausedEngineWake): Promise<TestKitError[]> {
  const { journal, paused, at, current, runIds } = wake;
  current.pause();
  await current.crashLanded();
  try {
    const before = await snapshotRuns(journal, runIds, paused.owner);
    await paused.stop({ graceful: true, timeoutMs: wake.drainMs });
    await paused.crashLanded();
    const after = await snapshotRuns(journal, runIds, paused.owner);
    const problems: TestKitError[] = [];
    for (const [runId, was] of before) {
      const now = after.get(runId);
      if (was === now) continue;
      problems.push(
        new TestKitError(
          `after losing its lease (paused at ${describeCrashPoint(at)}), engine ${paused.owner} resumed and changed run ${runId}: ${was} became ${now ?? "(leased to it again)"}`,
          { runId, owner: paused.owner },
          "a write of an engine whose lease expired must be refused (LeaseLostError / StaleAttemptError): check the journal's fencing",
        ),
      );
    }
    return problems;
  } finally {
    current.resume();
  }
}

/** Where a crash point is, in words. */
export function describeCrashPoint(point: CrashPoint): string {
  return point.kind === "after_step"
    ? `step ${point.step} of run ${point.runId}`
    : `${point.activityName} (activity attempt ${point.attempt} of run ${point.runId}) before its result was recorded`;
}

/** Status and history of each run not leased to `owner`, in words. */
async function snapshotRuns(
  journal: Journal,
  runIds: readonly string[],
  owner: string,
): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const runId of runIds) {
    const run = await journal.getRun(runId);
    if (run?.leaseOwner === owner) continue;
    const history = await journal.readHistory(runId);
    snapshot.set(
      runId,
      `status ${run?.status ?? "(none)"}, ${history.length} event(s)${history.length === 0 ? "" : `, last ${canonicalJson(history.at(-1))}`}`,
    );
  }
  return snapshot;
}
