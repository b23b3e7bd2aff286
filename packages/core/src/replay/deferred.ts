/** Does nothing; the handler that marks a promise as observed. */
export const noop = (): void => {};

/** What effects return once the run has ended or was dropped: the code is abandoned, never resumed. */
export const forever: Promise<never> = new Promise<never>(noop);

/** A promise with its settle functions, already marked as observed. */
export interface Deferred {
  readonly promise: Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A promise the execution settles later. It is marked as observed at once: an effect nobody
 * awaits (a fire-and-forget call, a race loser) may still be rejected by a cancellation, and
 * that must not become an unhandled rejection that takes the process down.
 */
export function deferred(): Deferred {
  let resolve: (value: unknown) => void = noop;
  let reject: (error: unknown) => void = noop;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(noop);
  return { promise, resolve, reject };
}

/** A rejected promise, marked as observed (see {@link deferred}). */
export function rejected(error: unknown): Promise<never> {
  const promise = Promise.reject(error);
  promise.catch(noop);
  return promise;
}
