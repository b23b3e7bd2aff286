import { sql, type SqlTemplate } from "./sql-template.ts";
import type { InProcessChange } from "../in-process-attempts.ts";
import { json } from "./sql-fragments.ts";

/** A list of call identities as a `text[]` (passed as one json parameter). */
export function identityArray(identities: readonly string[]): SqlTemplate<unknown> {
  return sql`ARRAY(SELECT json_array_elements_text(${json(identities)}))`;
}

/**
 * The run row's `in_process_calls` after `change` (NULL when none are left), from `column`
 * (the row's current list): the assignments of an UPDATE's SET, `has_in_process` included.
 * Nothing when the step changes nothing: the columns keep their values, and the update stays
 * HOT. Columns are written only where the list really changes, since `has_in_process` is in an
 * index predicate (runs_in_process_idx) and `in_process_calls` is not.
 */
export function inProcessAssignments(
  column: SqlTemplate<unknown>,
  change: InProcessChange,
  terminal: boolean,
): SqlTemplate<unknown> {
  if (terminal) return sql`, in_process_calls = NULL, has_in_process = false`;
  if (change.added.length === 0 && change.removed.length === 0) return sql``;
  const after = sql`(SELECT array_agg(c) FROM (
      SELECT unnest(${column}) AS c UNION ALL SELECT json_array_elements_text(${json(change.added)})) AS l
    WHERE c NOT IN (SELECT json_array_elements_text(${json(change.removed)})))`;
  return sql`, in_process_calls = ${after}, has_in_process = ${after} IS NOT NULL`;
}

/**
 * The condition that every call `change` removes is still listed in `column` (TRUE when none):
 * an attempt a step finishes in-process must not have been persisted or re-issued meanwhile.
 */
export function inProcessListed(column: SqlTemplate<unknown>, change: InProcessChange): SqlTemplate<unknown> {
  return change.removed.length === 0
    ? sql`TRUE`
    : sql`COALESCE(${column} @> ${identityArray(change.removed)}, false)`;
}
