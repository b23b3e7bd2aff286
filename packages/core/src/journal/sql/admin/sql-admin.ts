import type { Journal } from "../../journal.ts";
import type { JournalAdmin } from "../../journal-admin.ts";
import type { JournalInspector } from "../../journal-inspector.ts";
import { planRepair } from "../../plan-repair.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { ensureEventPartitions } from "./ensure-event-partitions.ts";
import { dropEventPartitions, listEventPartitions } from "./event-partitions.ts";
import { executeRepair } from "./execute-repair.ts";
import { appendOperatorAction, listOperatorActions } from "./operator-actions.ts";
import { retryRun } from "./retry-run.ts";

/**
 * The operator port on PostgreSQL or PGlite. `bind(tx)` gives the journal joined to a
 * transaction (Journal.bindTransaction), so `audited` runs the work and appends its entry in
 * one transaction; on a journal already bound to the caller's transaction it joins that one.
 */
export function createSqlAdmin(
  db: SqlExecutor,
  journal: Journal,
  inspector: JournalInspector,
  bind: (tx: SqlExecutor) => Journal,
  guard: <T>(operation: string, call: () => Promise<T>) => Promise<T>,
): JournalAdmin {
  return {
    audited: (work, entry) =>
      guard("audited", async () => {
        const inside = async (tx: SqlExecutor) => {
          const value = await work(db.isTransaction ? journal : bind(tx));
          return { value, entry: await appendOperatorAction(tx, entry(value)) };
        };
        return db.isTransaction ? inside(db) : db.transaction().execute(inside);
      }),
    appendOperatorAction: (entry) => guard("appendOperatorAction", () => appendOperatorAction(db, entry)),
    listOperatorActions: (request) => guard("listOperatorActions", () => listOperatorActions(db, request)),
    retryRun: (request) => guard("retryRun", () => retryRun(db, request)),
    planRepair: (request) => planRepair(inspector, (runId) => journal.getRun(runId), request),
    executeRepair: (items) => guard("executeRepair", () => executeRepair(db, items)),
    partitions: () => guard("partitions", () => listEventPartitions(db)),
    ensurePartitions: (request) => guard("ensurePartitions", () => ensureEventPartitions(db, request)),
    dropPartitions: (request) => guard("dropPartitions", () => dropEventPartitions(db, request)),
  };
}
