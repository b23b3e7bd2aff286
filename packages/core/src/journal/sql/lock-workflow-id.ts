import { sql } from "kysely";
import type { SqlExecutor } from "./sql-fragments.ts";

/**
 * Serialises starts with one workflow id until the transaction ends (a transaction-level
 * advisory lock keyed by hashes of namespace and id; a collision only serialises two unrelated
 * starts). Taken only by policies that look at closed runs: the unique index over open runs
 * cannot see that a run started and closed between our lookup and our insert.
 */
export async function lockWorkflowId(tx: SqlExecutor, namespace: string, workflowId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${namespace}), hashtext(${workflowId}))`.execute(tx);
}
