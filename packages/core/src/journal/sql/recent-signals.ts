import type { InboxItem } from "../journal.ts";

/** How many sent signals a journal keeps; a process that only sends (nobody reads them here) stays bounded. */
const defaultCapacity = 256;
/** Bodies larger than this (JSON text length) are read back from the database instead. */
const maxKeptLength = 16_384;

/**
 * The signals this journal object sent a moment ago, by (run id, inbox item id). When the
 * engine in the same process gets the `run_inbox` hint for one of them, it takes the item from
 * here instead of reading it back: with a client bound to its engine (`createClient({ journal,
 * engine })`) a signal costs its send and the step, as when the item rode in the hint itself.
 * Only committed items are kept (sendSignal is one autocommit statement; a journal bound to a
 * caller's transaction keeps none), and a hint can only name a committed item.
 *
 * The hint may be read off the LISTEN connection before the send's own result is: so a lookup
 * first waits for the sends of that run still in flight here (their commit is what the hint
 * announces, so they are one result away). A miss costs nothing but the read it would have cost
 * anyway; entries leave when taken, or oldest first beyond the capacity.
 */
export class RecentSignals {
  readonly #items = new Map<string, InboxItem>();
  readonly #sending = new Map<string, Set<Promise<unknown>>>();
  readonly #capacity: number;

  constructor(capacity = defaultCapacity) {
    this.#capacity = capacity;
  }

  /** Runs `send` (a sendSignal to `runId`), keeping what it stored; returns its result. */
  async track<T extends { item?: InboxItem; storedLength?: number }>(
    runId: string,
    send: () => Promise<T>,
  ): Promise<T> {
    if (this.#capacity <= 0) return send();
    const running = send();
    const set = this.#sending.get(runId) ?? new Set();
    this.#sending.set(runId, set);
    set.add(running);
    try {
      const sent = await running;
      if (sent.item !== undefined) this.#keep(sent.item, sent.storedLength ?? Number.POSITIVE_INFINITY);
      return sent;
    } finally {
      set.delete(running);
      if (set.size === 0) this.#sending.delete(runId);
    }
  }

  /** The item, removed (each hint is taken once; a second read goes to the database). */
  async take(runId: string, inboxId: number): Promise<InboxItem | undefined> {
    const sending = this.#sending.get(runId);
    if (sending !== undefined) await Promise.allSettled([...sending]);
    const key = keyOf(runId, inboxId);
    const item = this.#items.get(key);
    if (item !== undefined) this.#items.delete(key);
    return item;
  }

  #keep(item: InboxItem, storedLength: number): void {
    if (storedLength > maxKeptLength) return;
    this.#items.set(keyOf(item.runId, item.id), item);
    while (this.#items.size > this.#capacity) {
      const oldest = this.#items.keys().next().value as string;
      this.#items.delete(oldest);
    }
  }
}

function keyOf(runId: string, inboxId: number): string {
  return `${runId}:${inboxId}`;
}
