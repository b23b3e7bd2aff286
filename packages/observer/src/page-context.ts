import type { Client, DeclaringWorkflow, Inspector, Operator } from "@continuum/core";
import type { SourceIndex } from "./source-index.ts";
import type { ObserverAuthorize } from "./observer-options.ts";

/** What a page renderer gets for one request. */
export interface PageContext {
  readonly request: Request;
  readonly url: URL;
  readonly inspector: Inspector;
  /** Base path without a trailing slash ("" at the root). */
  readonly basePath: string;
  /** The journal clock is not available here; pages use the server's clock for "ago" text. */
  readonly now: number;
  /** The CSRF token of the request's session (forms carry it). */
  readonly csrfToken: string;
  /** Present when actions are possible (the host gave `authorize`). */
  readonly authorize?: ObserverAuthorize;
  readonly clientFor?: (namespace: string) => Client;
  /**
   * The audited operator of this request (its actor from the host's `actor` hook), when the
   * Observer has a journal; actions then go through it (and retry and repair need it).
   */
  readonly operator?: () => Promise<Operator>;
  readonly sources?: SourceIndex;
  readonly title: string;
  /** Workflows whose declared search attributes type the runs page's attribute query. */
  readonly workflows?: readonly DeclaringWorkflow[];
  /** Base URL of source links, when the host gave one. */
  readonly sourceUrl?: string;
}

/** A link inside the Observer: `path` under the base path, with query parameters. */
export function href(context: Pick<PageContext, "basePath">, path: string, query?: URLSearchParams): string {
  const search = query === undefined || [...query.keys()].length === 0 ? "" : `?${query.toString()}`;
  return `${context.basePath}${path}${search}`;
}

/** The run page's path of a run id. */
export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}
