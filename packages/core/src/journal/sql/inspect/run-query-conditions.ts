import { sql, type RawBuilder } from "kysely";
import type { Encoded, RunStatus } from "../../../model/index.ts";
import type { RunQuery } from "../../journal-inspector.ts";
import { fromEpochMs, inList, jsonbSearch } from "../sql-fragments.ts";
import { attributeQuerySql } from "../attribute-query-sql.ts";
import { checkAttributeQuery } from "../../../validation/attribute-query.ts";

/**
 * The WHERE conditions of a RunQuery over `continuum.runs r`, shared by the runs page and its
 * counts. Undefined when the query can match nothing (an empty status list).
 *
 * The id prefix is a byte-wise range (`~>=~` / `~<~`, the text_pattern_ops operators) rather
 * than LIKE: it takes a parameter and still uses the pattern indexes of 0009, and needs no
 * escaping of `%` and `_`. `prefix || U+10FFFF` is above every string that starts with prefix.
 */
export function runQueryConditions(query: RunQuery): RawBuilder<unknown>[] | undefined {
  const statuses: readonly RunStatus[] | undefined =
    query.status === undefined ? undefined : typeof query.status === "string" ? [query.status] : query.status;
  if (statuses !== undefined && statuses.length === 0) return undefined;
  const prefix = query.idPrefix;
  return [
    sql`true`,
    ...(query.namespace === undefined ? [] : [sql`r.namespace = ${query.namespace}`]),
    ...(statuses === undefined ? [] : [sql`r.status IN ${inList(statuses)}`]),
    ...(query.workflowName === undefined ? [] : [sql`r.workflow_name = ${query.workflowName}`]),
    ...(query.versionHash === undefined ? [] : [sql`r.version_hash = ${query.versionHash}`]),
    ...(query.parentRunId === undefined ? [] : [sql`r.parent_run_id = ${query.parentRunId}`]),
    ...(query.startedFrom === undefined ? [] : [sql`r.created_at >= ${fromEpochMs(query.startedFrom)}`]),
    ...(query.startedTo === undefined ? [] : [sql`r.created_at < ${fromEpochMs(query.startedTo)}`]),
    ...(prefix === undefined || prefix === ""
      ? []
      : [
          sql`((r.run_id ~>=~ ${prefix} AND r.run_id ~<~ (${prefix} || chr(1114111)))
            OR (r.workflow_id ~>=~ ${prefix} AND r.workflow_id ~<~ (${prefix} || chr(1114111))))`,
        ]),
    ...(query.attributes === undefined
      ? []
      : [sql`r.attributes_search @> ${jsonbSearch(query.attributes as Encoded)}`]),
    ...(query.where === undefined ? [] : [attributeQuerySql(checkAttributeQuery(query.where))]),
  ];
}

/** The conditions joined with AND. */
export function whereAll(conditions: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
  return sql.join(conditions, sql` AND `);
}
