import type { Journal, NewTask, RunClaim } from "../journal/journal.ts";
import type { EffectIdentity, HistoryEvent } from "../model/index.ts";

/** What {@link takeOverInProcess} needs of the engine's activity pool. */
export interface InProcessAttempts {
  /** Resolves once no persist of `runId`'s attempts is under way. */
  settleRun(runId: string): Promise<void>;
  /** The calls of `runId` whose attempts run in-process here, without a row. */
  inProcessOf(runId: string): EffectIdentity[];
  /** Abandons these in-process attempts of `runId`: their run no longer lists them. */
  abandonStale(runId: string, identities: readonly EffectIdentity[]): void;
}

/** The `NewTask`s of the calls in `identities`, from their `activity_scheduled` events. */
export function scheduledCalls(
  history: readonly HistoryEvent[],
  identities: ReadonlySet<EffectIdentity>,
): NewTask[] {
  const calls: NewTask[] = [];
  for (const event of history)
    if (event.kind === "activity_scheduled" && identities.has(event.identity))
      calls.push({
        identity: event.identity,
        activityName: event.activityName,
        args: event.args,
        options: event.options,
      });
  return calls;
}

/**
 * Before a claimed run is stepped, squares its list of in-process calls
 * (`RunClaim.inProcessCalls`) with the attempts this engine runs:
 * - ours that the run no longer lists were re-issued by an engine that took the run over
 *   meanwhile: they are abandoned (their results would be a second outcome of the call);
 * - listed ones that are not ours lost their engine: they are re-issued
 *   (`Journal.reissueAttempts`), to be retried like any dead engine's attempt, and the list
 *   keeps just ours.
 * Reads the history only to re-issue; returns it when read, for the replay to reuse.
 */
export async function takeOverInProcess(
  journal: Journal,
  claim: RunClaim,
  attempts: InProcessAttempts,
): Promise<readonly HistoryEvent[] | undefined> {
  const runId = claim.run.runId;
  const listed = claim.inProcessCalls ?? [];
  if (listed.length === 0 && attempts.inProcessOf(runId).length === 0) return undefined;
  // A persist under way decides whether its attempt is still in-process: wait for it.
  await attempts.settleRun(runId);
  const ours = new Set(attempts.inProcessOf(runId));
  const listedSet = new Set(listed);
  const stale = [...ours].filter((identity) => !listedSet.has(identity));
  if (stale.length > 0) attempts.abandonStale(runId, stale);
  const lost = listed.filter((identity) => !ours.has(identity));
  if (lost.length === 0) return undefined;
  const history = claim.history ?? (await journal.readHistory(runId));
  await journal.reissueAttempts({
    lease: claim.lease,
    tasks: scheduledCalls(history, new Set(lost)),
    keep: listed.filter((identity) => ours.has(identity)),
  });
  return history;
}
