import type { Journal, NewTask, RunClaim } from "../journal/journal.ts";
import type { EffectIdentity, HistoryEvent } from "../model/index.ts";

/**
 * The activity calls of a run's history that were scheduled and have no outcome yet, minus
 * `keep` (the ones this engine still runs in-process): what a claimer re-issues when the run
 * counts in-process attempts that nobody runs any more. Calls that do have a task row are
 * skipped by the journal.
 */
export function unfinishedCalls(
  history: readonly HistoryEvent[],
  keep: ReadonlySet<EffectIdentity>,
): NewTask[] {
  const open = new Map<EffectIdentity, NewTask>();
  for (const event of history) {
    if (event.kind === "activity_scheduled") {
      if (!keep.has(event.identity))
        open.set(event.identity, {
          identity: event.identity,
          activityName: event.activityName,
          args: event.args,
          options: event.options,
        });
    } else if (event.kind === "activity_completed" || event.kind === "activity_failed") {
      open.delete(event.identity);
    }
  }
  return [...open.values()];
}

/**
 * Before a claimed run is stepped: when it counts in-process attempts (`RunClaim.inProcessAttempts`)
 * that this engine does not run, their engine died or lost the run, so they are re-issued as
 * abandoned attempts (`Journal.reissueAttempts`), to be retried like any dead engine's attempt.
 * Reads the history only then; returns it when read, for the replay to reuse.
 */
export async function reissueLostAttempts(
  journal: Journal,
  claim: RunClaim,
  running: readonly EffectIdentity[],
): Promise<readonly HistoryEvent[] | undefined> {
  const counted = claim.inProcessAttempts ?? 0;
  if (counted === 0 || running.length >= counted) return undefined;
  const history = claim.history ?? (await journal.readHistory(claim.run.runId));
  const tasks = unfinishedCalls(history, new Set(running));
  await journal.reissueAttempts({ lease: claim.lease, tasks, keep: running.length });
  return history;
}
