import type { DataDirHolder } from "../errors/index.ts";

/**
 * A step of `openJournal`, reported to its `onProgress` option: the first start of an embedded
 * database spends seconds creating and migrating it, and a program can say so instead of
 * staying silent. `target` is the data directory, or the server URL without its password.
 *
 * - `creating`: the embedded data directory holds no database yet; creating one takes seconds.
 * - `lock_taken_over`: the directory's lock was left by a process on this host that is gone
 *   (killed or crashed without closing); `previous` is undefined when the lock file was unreadable.
 * - `leases_released`: run leases (`runs`) and running activity attempts (`attempts`) left in
 *   the embedded database by a process that is gone were ended, so its runs resume now rather
 *   than when those leases would have expired (the directory is locked to one process).
 * - `migrating`: migrations from schema version `from` to `to` are about to be applied.
 * - `ready`: the journal is open at schema version `version`; `applied` names the migrations
 *   this open applied, `elapsedMs` counts from the call to `openJournal`.
 */
export type OpenJournalProgress =
  | { readonly kind: "creating"; readonly target: string }
  | {
      readonly kind: "lock_taken_over";
      readonly target: string;
      readonly previous: DataDirHolder | undefined;
    }
  | {
      readonly kind: "leases_released";
      readonly target: string;
      readonly runs: number;
      readonly attempts: number;
    }
  | { readonly kind: "migrating"; readonly target: string; readonly from: number; readonly to: number }
  | {
      readonly kind: "ready";
      readonly target: string;
      readonly version: number;
      readonly applied: readonly string[];
      readonly elapsedMs: number;
    };

/** Receives {@link OpenJournalProgress} steps; called synchronously, must not throw. */
export type OpenJournalProgressListener = (step: OpenJournalProgress) => void;

/**
 * The listener `openJournal` reports to: the caller's, else one that turns only a stale-lock
 * takeover into a process warning (it means a process died holding the directory: worth a line).
 */
export function progressListener(listener?: OpenJournalProgressListener): OpenJournalProgressListener {
  if (listener !== undefined) return listener;
  return (step) => {
    if (step.kind !== "lock_taken_over") return;
    const who =
      step.previous === undefined
        ? "an unreadable lock"
        : `the lock of pid ${step.previous.pid} (gone; it opened the directory at ${step.previous.since})`;
    process.emitWarning(`took over ${who} on the embedded database in ${step.target}`, {
      code: "CTM_STALE_LOCK_TAKEN_OVER",
    });
  };
}
