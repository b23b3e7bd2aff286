/**
 * Runs `total` items with at most `concurrency` in flight: each of `concurrency` lanes starts
 * an item, waits for it to finish, and takes the next. This is how every peer is driven in the
 * throughput scenario, so all see the same offered load.
 *
 * @example
 * ```ts
 * const ms = await closedLoop(500, 10, async (i) => { await runWorkflow(i); });
 * ```
 */
export async function closedLoop(
  total: number,
  concurrency: number,
  runOne: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const index = next;
      next += 1;
      await runOne(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return performance.now() - started;
}

/**
 * A promise per key, resolved from elsewhere (an engine event, a job handler): how the harness
 * learns that a workflow finished without polling the database itself.
 */
export interface Completions {
  /** Registers interest in `key`; resolves when {@link Completions.resolve} is called for it. */
  wait(key: string): Promise<void>;
  /** Marks `key` finished; a key resolved before anybody waited is remembered. */
  resolve(key: string): void;
  /** Rejects every pending wait (a peer failed). */
  failAll(error: unknown): void;
}

/** Creates a {@link Completions} map. */
export function createCompletions(): Completions {
  const waiting = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  const early = new Set<string>();
  return {
    wait(key) {
      if (early.delete(key)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => waiting.set(key, { resolve, reject }));
    },
    resolve(key) {
      const w = waiting.get(key);
      if (w === undefined) {
        early.add(key);
        return;
      }
      waiting.delete(key);
      w.resolve();
    },
    failAll(error) {
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
    },
  };
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Set (to any value) in a case process's environment by a run without time limits (the smoke
 * run inside `pnpm test`): {@link withDeadline} then only waits, so a busy machine makes the
 * run slower, never failed; the test runner's own timeout is what catches a hang.
 */
export const noDeadlinesVariable = "CONTINUUM_BENCH_NO_DEADLINES";

/**
 * Rejects with a clear message when `promise` takes longer than `ms`: a full run's guard
 * against a wedged peer. Off (plain wait) when {@link noDeadlinesVariable} is set.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (process.env[noDeadlinesVariable] !== undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
