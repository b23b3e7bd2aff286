import type { TaskAttemptRef, TaskHeartbeat } from "./journal-types.ts";

/**
 * One heartbeat per attempt, in first-seen order: the later of two heartbeats of the same attempt
 * wins, and details given by an earlier one survive a later one that gave none (as two
 * separate heartbeats would leave them). Both journal adapters apply it, so a batch that lists
 * a task twice means the same everywhere; an update statement would otherwise pick one of the
 * duplicate rows arbitrarily.
 */
export function coalesceHeartbeats(heartbeats: readonly TaskHeartbeat[]): TaskHeartbeat[] {
  const byAttempt = new Map<string, TaskHeartbeat>();
  for (const beat of heartbeats) {
    const key = attemptKey(beat.claim);
    const earlier = byAttempt.get(key);
    // A renewal carries no details, and a heartbeat next to it wins (it renews the lease too).
    const renew = beat.renew === true && (earlier === undefined || earlier.renew === true);
    const ownDetails = beat.renew === true ? undefined : beat.details;
    // `null` is details too (the codec's encoding of null): only `undefined` means none.
    const details = ownDetails !== undefined ? ownDetails : earlier?.details;
    byAttempt.set(key, {
      claim: beat.claim,
      ...(details === undefined ? {} : { details }),
      ...(renew ? { renew: true as const } : {}),
    });
  }
  return [...byAttempt.values()];
}

/** A key naming one attempt of one task (task ids compared case-insensitively, as uuids). */
export function attemptKey(claim: TaskAttemptRef): string {
  return `${claim.taskId.toLowerCase()}\u0000${claim.attempt}\u0000${claim.attemptToken.toLowerCase()}`;
}
