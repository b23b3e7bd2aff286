import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";

/**
 * Tracks which engine loops are failing, to report a journal outage once: `journal.unreachable`
 * when the first loop starts failing, `journal.reconnected` when every loop that failed has had
 * a good round again. A loop that never failed does not count (some rounds skip the journal, so
 * their success proves nothing).
 */
export interface JournalHealth {
  failed(where: string, error: unknown): void;
  succeeded(where: string): void;
}

/** Creates a {@link JournalHealth} that reports on `events`. */
export function createJournalHealth(events: EngineEventEmitter, now: () => number = Date.now): JournalHealth {
  const failing = new Set<string>();
  let downSince = 0;
  return {
    failed(where, error) {
      if (failing.size === 0) {
        downSince = now();
        emitEvent(events, "journal.unreachable", { where, error });
      }
      failing.add(where);
    },
    succeeded(where) {
      if (!failing.delete(where) || failing.size > 0) return;
      emitEvent(events, "journal.reconnected", { downMs: Math.max(0, now() - downSince) });
    },
  };
}
