import { setCurrentHost } from "../workflow/effect-host.ts";
import type { EffectHost } from "../workflow/effect-host.ts";

/**
 * Turns: how the replay engine finds "the current execution" without async context tracking
 * (replay may not import node:async_hooks, and browsers have none).
 *
 * Workflow code only ever resumes because one of its effects settled, and effects settle
 * only when their execution delivers an event. A turn is: open (mark the execution current),
 * deliver one event (or start the function), let every pending microtask run, close. Turns
 * of all executions in the process run one at a time, so every effect call made while a turn
 * is open belongs to that turn's execution, even with many executions stepping concurrently.
 *
 * "Let every microtask run" is one macrotask hop: a macrotask callback runs only after the
 * microtask queue is empty, so by then the workflow has run until it waits on effects again.
 */
interface TurnQueue {
  busy: boolean;
  readonly waiting: Array<() => void>;
}

// Shared through globalThis for the same reason as the current-execution slot: two copies of
// this module must not run turns side by side.
const queueKey = Symbol.for("@continuum/core/replay-turns");
const queue: TurnQueue = ((globalThis as Record<symbol, unknown>)[queueKey] as TurnQueue | undefined) ?? {
  busy: false,
  waiting: [],
};
(globalThis as Record<symbol, unknown>)[queueKey] = queue;

// Captured at load: a test that later installs fake timers must not stall replay.
const hop: (callback: () => void) => unknown =
  typeof globalThis.setImmediate === "function"
    ? globalThis.setImmediate.bind(globalThis)
    : (callback) => globalThis.setTimeout(callback, 0);

/** Resolves after every microtask queued so far (and every one they queue) has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => {
    hop(resolve);
  });
}

function acquire(): Promise<void> | undefined {
  if (!queue.busy) {
    queue.busy = true;
    return undefined;
  }
  return new Promise((resolve) => {
    queue.waiting.push(resolve);
  });
}

function release(): void {
  const next = queue.waiting.shift();
  if (next === undefined) queue.busy = false;
  else next(); // hand the turn over directly: `busy` stays true
}

/**
 * Runs `work` as one turn of `host`: no other execution's turn is open until it resolves, and
 * `host` is the current execution throughout. `work` opens with a synchronous action (deliver,
 * start) and then awaits {@link settle} one or more times.
 */
export async function runTurn(host: EffectHost, work: () => Promise<void>): Promise<void> {
  const wait = acquire();
  if (wait !== undefined) await wait;
  setCurrentHost(host);
  try {
    await work();
  } finally {
    setCurrentHost(undefined);
    release();
  }
}
