/**
 * Sleep that can be cut short: how the engine's loops wait for their next poll while letting a
 * notifier hint (or a freed slot, or shutdown) wake them at once. A `wake()` that arrives while
 * nobody sleeps is remembered, so the next `sleep` returns immediately and no hint is lost
 * between two polls. Every `sleep` yields at least one macrotask.
 *
 * @example
 * ```ts
 * const waker = createWaker();
 * journal.notifier.subscribe(NotifyTopic.runReady, () => waker.wake());
 * while (running) { if ((await claimSome()) === 0) await waker.sleep(pollIntervalMs); }
 * ```
 */
export interface Waker {
  sleep(ms: number): Promise<void>;
  wake(): void;
}

/** Creates a {@link Waker}. */
export function createWaker(): Waker {
  let pending = false;
  let current: { resolve: () => void; handle: ReturnType<typeof setTimeout> } | undefined;
  return {
    sleep(ms) {
      if (pending) {
        pending = false;
        // Still a macrotask hop: a loop over a journal that answers in microtasks (the memory
        // journal) must never starve timers and I/O (replay itself settles on a macrotask).
        return new Promise<void>((resolve) => setImmediate(resolve));
      }
      return new Promise<void>((resolve) => {
        const handle = setTimeout(
          () => {
            current = undefined;
            resolve();
          },
          Math.max(0, ms),
        );
        current = { resolve, handle };
      });
    },
    wake() {
      if (current === undefined) {
        pending = true;
        return;
      }
      clearTimeout(current.handle);
      const { resolve } = current;
      current = undefined;
      resolve();
    },
  };
}
