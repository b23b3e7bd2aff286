// The saga suites' fixture: workflow stamps, a ledger of booking activities whose
// compensations record their effects idempotently, and the activity calls a history scheduled.
import type { HistoryEvent } from "../../model/index.ts";
import { activityContext } from "../../worker/activity-context.ts";
import { defineActivity } from "../../workflow/index.ts";

/** A hand-made stamp (the runtime suites do not run the transformer) for a workflow version. */
export const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/saga.workflow.ts", line: 1 }) as const;

/** Per test: effects of every attempt, and the net effects deduplicated by (run, identity). */
export function ledger() {
  const attempts: string[] = [];
  const effects = new Map<string, string>();
  const book = defineActivity("saga.book", async (what: string) => {
    attempts.push(`book:${what}`);
    return `${what}-ref`;
  });
  const failingRelease = new Map<string, number>();
  const release = defineActivity(
    "saga.release",
    async (what: string) => {
      const { runId, identity, attempt } = activityContext();
      attempts.push(`release:${what}#${attempt}`);
      const failures = failingRelease.get(what) ?? 0;
      if (attempt <= failures) throw new Error(`release ${what} unavailable`);
      // The idempotent write: keyed by run and identity, as a table with a unique key would be.
      if (!effects.has(`${runId}:${identity}`)) effects.set(`${runId}:${identity}`, what);
      return `released:${what}`;
    },
    { retry: { maxAttempts: 4, initialIntervalMs: 1_000 }, timeoutMs: 10_000 },
  );
  const fail = defineActivity(
    "saga.fail",
    async (what: string): Promise<string> => {
      attempts.push(`fail:${what}`);
      throw new Error(`${what} is sold out`);
    },
    { retry: { maxAttempts: 1 } },
  );
  return { attempts, effects, failingRelease, book, release, fail, activities: [book, release, fail] };
}

/** The activity calls a history scheduled, one line each: identity, activity name, arguments. */
export function scheduled(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((e) =>
    e.kind === "activity_scheduled" ? [`${e.identity} ${e.activityName} ${JSON.stringify(e.args)}`] : [],
  );
}
