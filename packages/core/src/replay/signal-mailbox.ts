import type { CarriedSignal, EffectIdentity, Encoded } from "../model/index.ts";

interface StoredSignal {
  readonly payload: Encoded;
  readonly order: number;
  readonly deliveryId?: string;
}

/** A FIFO with O(1) push and shift, and removal by value for the rare timed-out waiter. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.head += 1;
    // Compact now and then so a long-lived queue does not keep every item it ever held.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  values(): T[] {
    return this.items.slice(this.head);
  }

  remove(item: T): void {
    const index = this.items.indexOf(item, this.head);
    if (index >= 0) this.items.splice(index, 1);
  }
}

/**
 * Signals of one run, by name: the waits that are pending (in the order they were issued,
 * which is journal order) and the payloads that arrived while nobody waited. The first waiter
 * takes the first payload.
 */
export class SignalMailbox {
  private readonly waiters = new Map<string, Fifo<EffectIdentity>>();
  /** Created when a payload first arrives with nobody waiting (a run held in the sticky cache keeps no empty table). */
  private messages: Map<string, Fifo<StoredSignal>> | undefined;
  /** Arrival counter: orders kept payloads across names (for continue-as-new's handover). */
  private arrivals = 0;

  /** Takes the oldest unclaimed payload for `name`, if any. */
  take(name: string): { payload: Encoded } | undefined {
    const queue = this.messages?.get(name);
    if (queue === undefined || queue.size === 0) return undefined;
    const { payload } = queue.shift() as StoredSignal;
    if (queue.size === 0) this.messages?.delete(name);
    return { payload };
  }

  /** Registers a pending wait; it is offered the next payload of `name`. */
  wait(name: string, identity: EffectIdentity): void {
    let queue = this.waiters.get(name);
    if (queue === undefined) {
      queue = new Fifo();
      this.waiters.set(name, queue);
    }
    queue.push(identity);
  }

  /** The pending waits for `name`, oldest first. */
  waiting(name: string): EffectIdentity[] {
    return this.waiters.get(name)?.values() ?? [];
  }

  /** Forgets a wait that ended otherwise (timeout, cancellation). */
  forget(name: string, identity: EffectIdentity): void {
    const queue = this.waiters.get(name);
    if (queue === undefined) return;
    queue.remove(identity);
    if (queue.size === 0) this.waiters.delete(name);
  }

  /** A payload arrived: returns the wait that takes it, or keeps the payload when none waits. */
  arrive(name: string, payload: Encoded, deliveryId?: string): EffectIdentity | undefined {
    const queue = this.waiters.get(name);
    const waiter = queue?.shift();
    if (queue !== undefined && queue.size === 0) this.waiters.delete(name);
    if (waiter !== undefined) return waiter;
    this.messages ??= new Map();
    let inbox = this.messages.get(name);
    if (inbox === undefined) {
      inbox = new Fifo();
      this.messages.set(name, inbox);
    }
    this.arrivals += 1;
    inbox.push({ payload, order: this.arrivals, ...(deliveryId === undefined ? {} : { deliveryId }) });
    return undefined;
  }

  /** Every payload that arrived and was not taken, in arrival order (what continue-as-new hands over). */
  unclaimed(): CarriedSignal[] {
    const all: Array<CarriedSignal & { order: number }> = [];
    for (const [name, queue] of this.messages ?? []) {
      for (const stored of queue.values()) all.push({ name, ...stored });
    }
    return all.sort((a, b) => a.order - b.order).map(({ order: _order, ...signal }) => signal);
  }

  /** Drops every pending wait (cancellation rejected them). */
  forgetAllWaits(): void {
    this.waiters.clear();
  }
}
