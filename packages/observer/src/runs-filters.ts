import type { DeclaringWorkflow, RunStatus, RunsPageRequest, RunsQuery } from "@continuum/core";
import {
  appendAttributeRows,
  attributeWhere,
  readAttributeMatch,
  readAttributeRows,
  type AttributeFilterRow,
  type AttributeMatch,
} from "./attribute-filter.ts";

/** Run statuses in the order the Observer lists them. */
export const runStatuses = [
  "running",
  "stuck_unknown_version",
  "completed",
  "failed",
  "cancelled",
  "continued",
] as const satisfies readonly RunStatus[];

/** The runs page's filters as read from the query string (text as typed, for the form). */
export interface RunsFilters {
  readonly status: readonly RunStatus[];
  readonly workflow: string;
  readonly version: string;
  readonly namespace: string;
  readonly search: string;
  readonly parent: string;
  /** `YYYY-MM-DDTHH:MM` (UTC), as a datetime-local input gives it. */
  readonly from: string;
  readonly to: string;
  readonly attr: string;
  /** The typed attribute query's rows (see attribute-filter.ts). */
  readonly query: readonly AttributeFilterRow[];
  readonly match: AttributeMatch;
}

/** Field names of the filter form (also the query parameters). */
const textFields = ["workflow", "version", "namespace", "search", "parent", "from", "to", "attr"] as const;

/** Reads the filters from a URL; unknown statuses and malformed values are dropped, never echoed as errors. */
export function readRunsFilters(url: URL): RunsFilters {
  const known = new Set<string>(runStatuses);
  const status = url.searchParams
    .getAll("status")
    .flatMap((s) => s.split(","))
    .filter((s): s is RunStatus => known.has(s));
  const text = (name: string) => (url.searchParams.get(name) ?? "").trim().slice(0, 500);
  return {
    status: [...new Set(status)],
    workflow: text("workflow"),
    version: text("version"),
    namespace: text("namespace"),
    search: text("search"),
    parent: text("parent"),
    from: text("from"),
    to: text("to"),
    attr: text("attr"),
    query: readAttributeRows(url),
    match: readAttributeMatch(url),
  };
}

/**
 * The filters as a query for the read model (without status: counts ignore it). The attribute
 * rows are typed by the declarations of `workflows`; a bad row throws CTM_INVALID_ATTRIBUTE_QUERY.
 */
export function toRunsQuery(filters: RunsFilters, workflows: readonly DeclaringWorkflow[] = []): RunsQuery {
  const from = parseInstant(filters.from);
  const to = parseInstant(filters.to);
  const attributes = parseAttributes(filters.attr);
  const where = attributeWhere(filters.query, filters.match, workflows, filters.workflow);
  return {
    ...(filters.workflow === "" ? {} : { workflowName: filters.workflow }),
    ...(filters.version === "" ? {} : { versionHash: filters.version }),
    ...(filters.namespace === "" ? {} : { namespace: filters.namespace }),
    ...(filters.search === "" ? {} : { idPrefix: filters.search }),
    ...(filters.parent === "" ? {} : { parentRunId: filters.parent }),
    ...(from === undefined ? {} : { startedFrom: from }),
    ...(to === undefined ? {} : { startedTo: to }),
    ...(attributes === undefined ? {} : { attributes }),
    ...(where === undefined ? {} : { where }),
  };
}

/** The page request: filters, statuses and the cursor of the URL. */
export function toPageRequest(
  filters: RunsFilters,
  url: URL,
  limit: number,
  workflows: readonly DeclaringWorkflow[] = [],
): RunsPageRequest {
  const after = url.searchParams.get("after") ?? "";
  const before = url.searchParams.get("before") ?? "";
  return {
    ...toRunsQuery(filters, workflows),
    ...(filters.status.length === 0 ? {} : { status: filters.status }),
    limit,
    ...(after !== "" ? { after } : before !== "" ? { before } : {}),
  };
}

/** Query parameters of the filters (for links that keep them), without the cursor. */
export function filterParams(filters: RunsFilters, override: Partial<RunsFilters> = {}): URLSearchParams {
  const merged = { ...filters, ...override };
  const params = new URLSearchParams();
  for (const status of merged.status) params.append("status", status);
  for (const field of textFields) if (merged[field] !== "") params.set(field, merged[field]);
  appendAttributeRows(params, merged.query, merged.match);
  return params;
}

/** `2026-12-07`, `2026-12-07T08:00` (UTC unless it names a zone) to epoch ms; else undefined. */
export function parseInstant(text: string): number | undefined {
  if (text === "") return undefined;
  const withZone = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : /T/.test(text) ? `${text}Z` : `${text}T00:00Z`;
  const ms = Date.parse(withZone);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `key=value, key2=value2`: values read as JSON when they parse, else text. */
export function parseAttributes(text: string): Record<string, unknown> | undefined {
  if (text === "") return undefined;
  const entries: [string, unknown][] = [];
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    let value: unknown = raw;
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      // plain text
    }
    entries.push([key, value]);
  }
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/** The page size of the URL's `limit` (1-500), default 50. */
export function pageLimit(url: URL): number {
  const limit = Number(url.searchParams.get("limit"));
  return Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : 50;
}
