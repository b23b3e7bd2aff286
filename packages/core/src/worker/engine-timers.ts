/**
 * The engine's only source of local delays (activity timeouts). Injected so that the test kit
 * can drive them with its manual clock; everything durable (leases, timers, retries) is timed
 * by the journal's clock instead.
 */
export interface EngineTimers {
  /** Local time in ms (only differences are used: heartbeat throttling). */
  now(): number;
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/**
 * Node's timers. They are unref'ed: a pending activity timeout must not keep a process alive
 * on its own (the engine's loops decide that).
 */
export const realTimers: EngineTimers = {
  now: () => performance.now(),
  after(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  },
};
