import type { Journal } from "../journal/journal.ts";

/** A journal view that can be cut off or held; see {@link severableJournal}. */
export interface SeverableJournal {
  readonly journal: Journal;
  /** From now on every call through `journal` (and every call in flight) never completes. */
  sever(): void;
  /**
   * Holds the view, as a paused process (a long GC pause, a frozen VM) is held: calls made from
   * now on are not sent, and calls in flight land on the journal but do not report back, until
   * `resume()`. Nothing is lost: after `resume()` the held calls go out and the answers arrive.
   */
  pause(): void;
  /** Ends a `pause()`: held calls are sent, held answers delivered. */
  resume(): void;
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
 * so nothing the dropped engine still had in progress writes or learns anything. `pause()`
 * holds the same calls instead, until `resume()`. Other users of the same journal are unaffected.
 */
export function severableJournal(journal: Journal): SeverableJournal {
  let severed = false;
  let gate: Promise<void> | undefined;
  let openGate: () => void = () => {};
  const never = new Promise<never>(() => {});
  const inFlight = new Set<Promise<unknown>>();
  /** Resolves when the view is not paused (never when it is severed meanwhile). */
  const passGate = async (): Promise<void> => {
    while (gate !== undefined) await gate;
    if (severed) await never;
  };
  const send = (call: () => unknown): unknown => {
    const result = call();
    if (!(result instanceof Promise)) return result;
    const tracked: Promise<unknown> = result.then(
      () => inFlight.delete(tracked),
      () => inFlight.delete(tracked),
    );
    inFlight.add(tracked);
    return result.then(
      async (ok: unknown) => {
        await passGate();
        return ok;
      },
      async (error: unknown) => {
        await passGate();
        throw error;
      },
    );
  };
  const view = new Proxy(journal, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "notifier") return value;
      return (...args: unknown[]) => {
        if (severed) return never;
        const call = () => (value as (...a: unknown[]) => unknown).apply(target, args);
        // Held calls are not sent at all while paused: the process is not running.
        if (gate !== undefined) return passGate().then(() => send(call));
        return send(call);
      };
    },
  });
  return {
    journal: view,
    sever: () => {
      severed = true;
    },
    pause() {
      if (gate !== undefined || severed) return;
      gate = new Promise<void>((resolve) => (openGate = resolve));
    },
    resume() {
      if (gate === undefined) return;
      gate = undefined;
      openGate();
    },
    async landed() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
