import { EventEmitter } from "eventemitter3";
import type { EngineEventEmitter, EngineEvents } from "./engine-events.ts";

type Listener = (...args: unknown[]) => unknown;
type Guarded = Listener & { readonly original: Listener };
interface RawEmitter {
  on(name: string, fn: Listener, context?: unknown): unknown;
  addListener(name: string, fn: Listener, context?: unknown): unknown;
  once(name: string, fn: Listener, context?: unknown): unknown;
  off(name: string, fn?: Listener, context?: unknown, once?: boolean): unknown;
  removeListener(name: string, fn?: Listener, context?: unknown, once?: boolean): unknown;
  listeners(name: string): Listener[];
  emit(name: string, ...args: unknown[]): boolean;
}

/**
 * The engine's event emitter: an eventemitter3 emitter whose listeners are each guarded, so
 * that a listener can neither break the engine nor its sibling listeners. A listener that
 * throws, or returns a promise that rejects (an `async` listener), is reported as
 * `engine.error` (`where: "listener"`) and the other listeners still run; a returned promise
 * is never awaited, so a slow async listener cannot hold a step back. Removing a listener
 * (`off(name, fn)`) works with the function that was added.
 */
export function createEngineEventEmitter(): EngineEventEmitter {
  const emitter = new EventEmitter<EngineEvents>();
  const raw = emitter as unknown as RawEmitter;
  const add = raw.on.bind(raw);
  const addOnce = raw.once.bind(raw);
  const remove = raw.removeListener.bind(raw);
  const listeners = raw.listeners.bind(raw);
  const emit = raw.emit.bind(raw);

  const report = (name: string, error: unknown): void => {
    // A failing engine.error listener has nowhere left to report to.
    if (name === "engine.error") return;
    try {
      emit("engine.error", { where: "listener", error });
    } catch {
      // guarded listeners do not throw; a raw one added behind our back has nowhere to go
    }
  };
  const guard = (name: string, fn: Listener, context: unknown): Guarded => {
    const guarded = function (this: unknown, ...args: unknown[]): void {
      try {
        const result = fn.apply(context ?? this, args);
        if (isThenable(result)) result.then(undefined, (error: unknown) => report(name, error));
      } catch (error) {
        report(name, error);
      }
    };
    return Object.assign(guarded, { original: fn });
  };
  const off = (name: string, fn?: Listener, _context?: unknown, once?: boolean): unknown => {
    if (fn === undefined) return remove(name);
    // eventemitter3 removes a fired once() listener by its registered (guarded) function.
    for (const listener of listeners(name))
      if (listener === fn || (listener as Partial<Guarded>).original === fn)
        remove(name, listener, undefined, once);
    return emitter;
  };
  raw.on = raw.addListener = (name, fn, context) => add(name, guard(name, fn, context));
  raw.once = (name, fn, context) => addOnce(name, guard(name, fn, context));
  raw.off = raw.removeListener = off;
  return emitter;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
