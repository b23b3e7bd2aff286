/**
 * The Clock port, for journals that do not have a database clock (the memory journal) and for
 * the test kit's manual time. SQL journals use the database's clock instead.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
}

/** Wall-clock time. */
export const systemClock: Clock = { now: () => Date.now() };
