import { Limits } from "../validation/limits.ts";

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
 * on its own (the engine's loops decide that). Node fires a delay over 2^31 - 1 ms (~24.8
 * days) after 1 ms instead, so a longer one (a 30-day activity timeout) is waited out in
 * steps of at most that much.
 */
export const realTimers: EngineTimers = {
  now: () => performance.now(),
  after(ms, fn) {
    const deadline = performance.now() + Math.max(0, ms);
    let handle: ReturnType<typeof setTimeout>;
    const arm = (left: number): void => {
      handle = setTimeout(
        () => {
          const remaining = deadline - performance.now();
          if (remaining >= 1) arm(remaining);
          else fn();
        },
        Math.min(Math.max(0, left), Limits.maxTimerMs),
      );
      handle.unref();
    };
    arm(ms);
    return () => clearTimeout(handle);
  },
};
