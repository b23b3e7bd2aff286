import type { InboxItem } from "../journal.ts";

/** How many sent signals a journal keeps; a process that only sends (nobody reads them here) stays bounded. */
const defaultCapacity = 256;
/** Bodies larger than this (JSON text length) are read back from the database instead. */
const maxKeptLength = 16_384;

/**
 * The signals this journal object sent a moment ago, by (run id, inbox item id). When the
 * engine in the same process gets the `run_inbox` hint for one of them, it takes the item from
 * here instead of reading it back: a client bound to its engine (`createClient({ journal,
 * engine })`) wakes a run with one statement, as it did when the item rode in the hint itself.
 * Only committed items are kept (sendSignal is one autocommit statement; a journal bound to a
 * caller's transaction keeps its own, unused, copy), and a hint can only name a committed item.
 *
 * A miss costs nothing but the read it would have cost anyway; entries leave when taken, or
 * oldest first beyond the capacity.
 */
export class RecentSignals {
  readonly #items = new Map<string, InboxItem>();
  readonly #capacity: number;

  constructor(capacity = defaultCapacity) {
    this.#capacity = capacity;
  }

  /** Keeps a committed item (`bodyLength`: the length of its stored JSON, to skip large ones). */
  keep(item: InboxItem, bodyLength: number): void {
    if (this.#capacity <= 0 || bodyLength > maxKeptLength) return;
    this.#items.set(keyOf(item.runId, item.id), item);
    while (this.#items.size > this.#capacity) {
      const oldest = this.#items.keys().next().value as string;
      this.#items.delete(oldest);
    }
  }

  /** The item, removed (each hint is taken once; a second read goes to the database). */
  take(runId: string, inboxId: number): InboxItem | undefined {
    const key = keyOf(runId, inboxId);
    const item = this.#items.get(key);
    if (item !== undefined) this.#items.delete(key);
    return item;
  }
}

function keyOf(runId: string, inboxId: number): string {
  return `${runId}:${inboxId}`;
}
