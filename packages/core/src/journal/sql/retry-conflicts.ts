/** SQLSTATEs after which the whole transaction was rolled back and may simply run again. */
const retryableStates = new Set([
  "40P01", // deadlock_detected: two journal calls locked the same runs in opposite orders
  "40001", // serialization_failure
]);

/** True for a database error that aborted the transaction but says nothing about its inputs. */
export function isRetryableConflict(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && retryableStates.has(code);
}

/**
 * Runs one journal call (one transaction) again when Postgres aborted it as a deadlock victim
 * or a serialization failure. Safe because every journal method is a single transaction that
 * rolled back whole. Most lockers take run rows in one order (run_id, or parent before child),
 * but a timer batch and a parent/child commit can still meet in opposite orders; Postgres then
 * aborts one of them after deadlock_timeout, and this retries it instead of surfacing an error.
 * Not used inside a caller's transaction (bindTransaction): that one is aborted for good.
 */
export async function retryConflicts<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      // A short random pause lets the surviving transaction finish first.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
