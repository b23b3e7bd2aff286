/**
 * Holds activity attempts until a test opens it, counting those inside: the queue tests read
 * `running` (inside now) and `most` (inside at once, at most) to see a queue's limit hold.
 */
export interface AttemptGate {
  /** Attempts inside the gate now. */
  readonly running: number;
  /** The most attempts inside at once since the last `close()`. */
  readonly most: number;
  /** Holds the attempts that pass from now on (and resets `most`). */
  close(): void;
  /** Lets every held attempt and every later one through. */
  open(): void;
  /** Runs one attempt through the gate: waits while closed, then returns `value`. */
  pass<T>(value: T): Promise<T>;
}

/**
 * A gate, open at first.
 *
 * @example
 * ```ts
 * const gate = createAttemptGate();
 * const hold = defineActivity("test.hold", (n: number) => gate.pass(n), { queue });
 * ```
 */
export function createAttemptGate(): AttemptGate {
  let running = 0;
  let most = 0;
  let opened: Promise<void> = Promise.resolve();
  let release: () => void = () => {};
  return {
    get running() {
      return running;
    },
    get most() {
      return most;
    },
    close() {
      most = 0;
      opened = new Promise((resolve) => (release = resolve));
    },
    open() {
      release();
    },
    async pass(value) {
      running += 1;
      most = Math.max(most, running);
      try {
        await opened;
        return value;
      } finally {
        running -= 1;
      }
    },
  };
}

/** Waits until `check` holds, looking every 5 ms (the test runner's timeout catches a hang). */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}
