import { CompensationFailure, InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import type { Cursor } from "../model/index.ts";
import type { CompensateAllOptions } from "../workflow/compensate.ts";
import type { PreparedCompensation } from "../workflow/effect-host.ts";
import { noop } from "./deferred.ts";

/** A completed call's undo, as the ledger keeps it: `outcome` once it was started. */
interface LedgerEntry {
  readonly result: unknown;
  readonly compensation: PreparedCompensation;
  outcome?: Promise<void>;
}

/** What the ledger needs from the execution. */
export interface CompensationLedgerDeps {
  /** Completed calls' compensations that arrived since the last call, in completion order. */
  drain(): ReadonlyArray<{ readonly result: unknown; readonly compensation: PreparedCompensation }>;
  /** Issues the compensating activity (journaled, at the calling effect's cursor) and returns its outcome. */
  schedule(cursor: Cursor, compensation: PreparedCompensation): Promise<unknown>;
  /** A promise to hand back instead of running anything (the run ended or was cancelled), if any. */
  blocked(): Promise<never> | undefined;
}

/**
 * The saga's undo book of one execution: every compensation a completed call left, and, once
 * started, its outcome. A compensation runs at most once; asking again (`compensate(h)` twice,
 * `compensateAll()` after `compensate(h)`, `compensateAll()` twice) gets the outcome it had.
 * Everything here follows the code's own order and the journal's resolution events, so a replay
 * rebuilds the same book and issues the same activities.
 */
export class CompensationLedger {
  private readonly deps: CompensationLedgerDeps;
  /** Completion (journal) order; most recent last. */
  private readonly entries: LedgerEntry[] = [];

  constructor(deps: CompensationLedgerDeps) {
    this.deps = deps;
  }

  /** Runs the undo of the call that returned this very object, or returns the outcome it had. */
  compensate(cursor: Cursor, result: object): Promise<void> {
    this.absorb();
    const entry = this.entries.findLast((e) => e.result === result);
    if (entry === undefined) {
      throw new InvalidEffectArgumentError(
        "compensate",
        "result",
        "is not the result of a completed activity call with a compensation",
        "pass the very object the activity call returned, and give that call { compensate: [undo, ...args] }",
      );
    }
    return this.start(cursor, entry);
  }

  /**
   * Runs every compensation not started yet, most recent first, and reports the outcome of
   * all of them (those started earlier included). `onlyPending` (the run's own exit
   * compensation) looks at the not-yet-started ones only.
   */
  async compensateAll(cursor: Cursor, options: CompensateAllOptions, onlyPending = false): Promise<void> {
    this.absorb();
    const onFailure = options.onFailure ?? "stop";
    const failures: unknown[] = [];
    if (options.order === "parallel") {
      const all = this.entries.toReversed().filter((e) => !onlyPending || e.outcome === undefined);
      const blocked = this.deps.blocked();
      if (blocked !== undefined) return blocked;
      // issued together (most recent first), awaited together
      const settled = await Promise.allSettled(all.map((e) => this.start(cursor, e)));
      for (const s of settled) if (s.status === "rejected") failures.push(s.reason);
      if (failures.length > 0 && onFailure === "stop") throw failures[0];
    } else {
      // One at a time, most recent first. The book is read again after each undo: a call that a
      // cancellation cut off may complete meanwhile, and its undo, the most recent, runs next.
      const visited = new Set<LedgerEntry>();
      for (
        let entry = this.nextUnvisited(visited, onlyPending);
        entry;
        entry = this.nextUnvisited(visited, onlyPending)
      ) {
        visited.add(entry);
        if (entry.outcome === undefined) {
          const blocked = this.deps.blocked();
          if (blocked !== undefined) return blocked;
        }
        try {
          await this.start(cursor, entry);
        } catch (failure) {
          if (onFailure === "stop") throw failure;
          failures.push(failure);
        }
      }
    }
    if (failures.length > 0) throw new CompensationFailure(failures.map(asError));
  }

  private nextUnvisited(visited: ReadonlySet<LedgerEntry>, onlyPending: boolean): LedgerEntry | undefined {
    this.absorb();
    return this.entries.findLast((e) => !visited.has(e) && (!onlyPending || e.outcome === undefined));
  }

  private start(cursor: Cursor, entry: LedgerEntry): Promise<void> {
    if (entry.outcome !== undefined) return entry.outcome;
    const outcome = this.deps.schedule(cursor, entry.compensation).then(noop);
    outcome.catch(noop);
    entry.outcome = outcome;
    return outcome;
  }

  private absorb(): void {
    for (const e of this.deps.drain()) this.entries.push({ result: e.result, compensation: e.compensation });
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
