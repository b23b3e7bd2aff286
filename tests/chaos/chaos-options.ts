/** How big and how long a chaos run is; every knob has an environment variable for `pnpm chaos`. */
export interface ChaosOptions {
  /** Seed of every random choice (fault schedule, workload shape, signal values). */
  readonly seed: number;
  /** How long faults are injected; the workload is spread over it. */
  readonly seconds: number;
  /** Order runs (each with a child; a third fail and compensate). */
  readonly runs: number;
  /** Continue-as-new chains fed by signals. */
  readonly chains: number;
  /** Engine processes kept alive (a killed one is replaced at once). */
  readonly engines: number;
  /** The engines' run lease; recovery after a kill is checked against it. */
  readonly leaseMs: number;
  /** Engine hosts' clocks are off by up to this much, either way. */
  readonly clockSkewMs: number;
  /** Server restarts during the fault period (at least one). */
  readonly restarts: number;
  /**
   * Upper bound on waiting for the workload to finish after the faults stop, for the command
   * line (so `pnpm chaos` always ends); undefined in the test, whose runner's timeout does it.
   */
  readonly settleMs?: number;
}

const numberFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name}=${raw} is not a non-negative number; unset it or pass e.g. ${name}=${fallback}`);
  return value;
};

/** Options from CHAOS_* variables over `defaults` (see tests/chaos/README.md). */
export function chaosOptionsFromEnv(defaults: ChaosOptions): ChaosOptions {
  const seconds = numberFrom("CHAOS_SECONDS", defaults.seconds);
  return {
    seed: numberFrom("CHAOS_SEED", defaults.seed),
    seconds,
    runs: numberFrom("CHAOS_RUNS", defaults.runs),
    chains: numberFrom("CHAOS_CHAINS", defaults.chains),
    engines: Math.max(2, numberFrom("CHAOS_ENGINES", defaults.engines)),
    leaseMs: numberFrom("CHAOS_LEASE_MS", defaults.leaseMs),
    clockSkewMs: numberFrom("CHAOS_CLOCK_SKEW_MS", defaults.clockSkewMs),
    restarts: Math.max(1, numberFrom("CHAOS_RESTARTS", defaults.restarts)),
    ...(defaults.settleMs === undefined
      ? {}
      : { settleMs: numberFrom("CHAOS_SETTLE_MS", defaults.settleMs) }),
  };
}

/** A fresh seed when none is given (printed, so a failing schedule can be replayed). */
export function freshSeed(): number {
  return Date.now() % 1_000_000;
}

/** Small seeded PRNG (mulberry32): the same seed gives the same schedule and workload. */
export function prng(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Resolves after `ms`. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries an operation that may meet a connection the server restart cut: what any caller of
 * the client does. Gives up after `attempts` tries (about 30 s), rethrowing the last error.
 */
export async function retrying<T>(operation: () => Promise<T>, attempts = 150): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !transient(error)) throw error;
      await pause(200);
    }
  }
}

/** Errors of an unreachable or restarting server (the client wraps them in CTM_DATABASE_UNAVAILABLE). */
function transient(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ""} ${String(error)} ${String((error as { cause?: unknown })?.cause ?? "")}`;
  return /UNAVAILABLE|ECONNREFUSED|ECONNRESET|terminat|shutting down|starting up|Connection|57P0|08\d\d\d/i.test(
    text,
  );
}
