import { EventEmitter } from "eventemitter3";
import type { Notifier, NotifyTopic } from "../notifier.ts";

type Topics = { [K in NotifyTopic]: [id: string] };

/**
 * In-process wake-up hints for the memory journal. Listeners run on a later microtask, never
 * inside the journal call that published, so a listener that throws or calls back into the
 * journal cannot break or re-enter a half-finished operation.
 *
 * @example
 * ```ts
 * const notifier = new MemoryNotifier();
 * const stop = notifier.subscribe(NotifyTopic.runReady, (runId) => wake(runId));
 * notifier.publish(NotifyTopic.runReady, "run-1");
 * ```
 */
export class MemoryNotifier implements Notifier {
  readonly #emitter = new EventEmitter<Topics>();
  #closed = false;

  subscribe(topic: NotifyTopic, listener: (id: string) => void): () => void {
    this.#emitter.on(topic, listener);
    return () => {
      this.#emitter.off(topic, listener);
    };
  }

  /** Publishes a hint; delivered asynchronously, dropped after `close()`. */
  publish(topic: NotifyTopic, id: string): void {
    if (this.#closed) return;
    queueMicrotask(() => {
      if (this.#closed) return;
      try {
        this.#emitter.emit(topic, id);
      } catch (error) {
        // A hint listener's failure must not surface in an unrelated journal call.
        queueMicrotask(() => {
          throw error;
        });
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#emitter.removeAllListeners();
  }
}
