/**
 * A bounded least-recently-used map. `set` and `get` count as uses; when an insert would pass
 * `capacity`, the least recently used entry is removed and handed to `onEvict` (the engine
 * disposes the execution and gives its lease back there). A capacity of 0 keeps nothing:
 * every `set` evicts at once.
 *
 * Built on `Map`'s insertion order: re-inserting a key moves it to the young end, so every
 * operation is O(1).
 *
 * @example
 * ```ts
 * const cache = createLruCache<string, number>(2, (key) => console.log("evicted", key));
 * cache.set("a", 1); cache.set("b", 2); cache.get("a"); cache.set("c", 3); // evicts "b"
 * ```
 */
export interface LruCache<K, V> {
  readonly capacity: number;
  readonly size: number;
  get(key: K): V | undefined;
  /** Reads without counting as a use. */
  peek(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): void;
  /** Removes without calling `onEvict`; returns the removed value. */
  delete(key: K): V | undefined;
  /** Oldest first. */
  entries(): IterableIterator<[K, V]>;
  /** Removes every entry, calling `onEvict` for each, oldest first. */
  clear(): void;
}

/** Creates an {@link LruCache}. */
export function createLruCache<K, V>(capacity: number, onEvict?: (key: K, value: V) => void): LruCache<K, V> {
  if (!Number.isInteger(capacity) || capacity < 0)
    throw new RangeError(`LRU capacity must be a non-negative integer, got ${capacity}`);
  const map = new Map<K, V>();

  const evict = (key: K, value: V): void => {
    map.delete(key);
    onEvict?.(key, value);
  };

  return {
    capacity,
    get size() {
      return map.size;
    },
    get(key) {
      if (!map.has(key)) return undefined;
      const value = map.get(key) as V;
      map.delete(key);
      map.set(key, value);
      return value;
    },
    peek: (key) => map.get(key),
    has: (key) => map.has(key),
    set(key, value) {
      map.delete(key);
      map.set(key, value);
      while (map.size > capacity) {
        const oldest = map.entries().next().value as [K, V];
        evict(oldest[0], oldest[1]);
      }
    },
    delete(key) {
      const value = map.get(key);
      map.delete(key);
      return value;
    },
    entries: () => map.entries(),
    clear() {
      for (const [key, value] of [...map.entries()]) evict(key, value);
    },
  };
}
