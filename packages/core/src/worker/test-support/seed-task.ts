import type { Journal, RunClaim } from "../../journal/journal.ts";
import type { Encoded, ResolutionEvent, ResolvedActivityOptions } from "../../model/index.ts";
import { encode } from "../../codec/index.ts";
import { resolveActivityOptions } from "../../workflow/index.ts";
import type { ActivityOptions } from "../../workflow/index.ts";

/**
 * Test support: puts one activity task in a memory journal the way an engine step would (a
 * run, its first step scheduling the task), without the replay engine. Returns the run id.
 */
export async function seedTask(
  journal: Journal,
  activityName: string,
  args: readonly unknown[],
  options: ActivityOptions<never> = {},
): Promise<{ runId: string; identity: string; options: ResolvedActivityOptions }> {
  const { run } = await journal.startRun({
    namespace: "default",
    workflowName: "seed",
    versionHash: "v",
    input: null,
  });
  const [claim] = await journal.claimRuns({
    owner: "seeder",
    limit: 1,
    leaseMs: 60_000,
    workflowNames: ["seed"],
  });
  if (claim === undefined || claim.run.runId !== run.runId)
    throw new Error("seedTask: could not claim the seeded run");
  const identity = `activity:${activityName}#0@0`;
  const resolved = resolveActivityOptions(options);
  const encodedArgs: Encoded = encode([...args], "args");
  await journal.commitStep({
    lease: claim.lease,
    lastSeq: claim.run.lastSeq,
    delivered: claim.inbox.map((item) => item.id),
    events: [{ kind: "activity_scheduled", identity, activityName, args: encodedArgs, options: resolved }],
    tasks: [{ identity, activityName, args: encodedArgs, options: resolved }],
    timers: [],
    cancelTimers: [],
    run: { status: "running" },
  });
  await journal.releaseRun(claim.lease);
  return { runId: run.runId, identity, options: resolved };
}

/** Test support: the resolution events waiting in the seeded run's inbox (claims it briefly). */
export async function inboxOf(journal: Journal, runId: string): Promise<ResolutionEvent[]> {
  const claims: RunClaim[] = await journal.claimRuns({
    owner: "inspector",
    limit: 100,
    leaseMs: 1,
    workflowNames: ["seed"],
  });
  const mine = claims.find((c) => c.run.runId === runId);
  for (const claim of claims) await journal.releaseRun(claim.lease);
  return mine?.inbox.map((item) => item.event) ?? [];
}
