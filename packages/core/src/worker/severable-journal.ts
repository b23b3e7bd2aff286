import type { Journal } from "../journal/journal.ts";

/** A journal view that can be cut off; see {@link severableJournal}. */
export interface SeverableJournal {
  readonly journal: Journal;
  /** From now on every call through `journal` (and every call in flight) never completes. */
  sever(): void;
  /**
   * Resolves once every call that reached the journal has finished there (committed or not).
   * A killed process's last statement may still commit on the server after it died; a driver
   * that waits for this before acting on the crash sees the same outcome every time.
   */
  landed(): Promise<void>;
}

/**
 * Wraps `journal` so that one engine's access can be cut the way a killed process loses it:
 * calls made after `sever()` never reach the journal, and calls in flight never report back,
 * so nothing the dropped engine still had in progress writes or learns anything. Other users
 * of the same journal are unaffected.
 */
export function severableJournal(journal: Journal): SeverableJournal {
  let severed = false;
  const never = new Promise<never>(() => {});
  const inFlight = new Set<Promise<unknown>>();
  const view = new Proxy(journal, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "notifier") return value;
      return (...args: unknown[]) => {
        if (severed) return never;
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        const tracked: Promise<unknown> = result.then(
          () => inFlight.delete(tracked),
          () => inFlight.delete(tracked),
        );
        inFlight.add(tracked);
        return result.then(
          (ok: unknown) => (severed ? never : ok),
          (error: unknown) => (severed ? never : Promise.reject(error)),
        );
      };
    },
  });
  return {
    journal: view,
    sever: () => {
      severed = true;
    },
    async landed() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
