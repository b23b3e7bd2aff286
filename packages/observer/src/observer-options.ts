import type { Client, DeclaringWorkflow, Inspector, Journal, RepairKind } from "@continuum/core";
import type { ObserverManifest } from "./source-index.ts";

/**
 * An operator action the Observer can perform: cancel (`force`: terminate), send a signal,
 * retry a failed run from its failure, or execute a previewed repair of health findings.
 */
export type ObserverAction =
  | { readonly kind: "cancel"; readonly runId: string; readonly force: boolean }
  | { readonly kind: "signal"; readonly runId: string; readonly name: string }
  | { readonly kind: "retry"; readonly runId: string }
  | { readonly kind: "repair"; readonly repair: RepairKind; readonly items: number };

/**
 * Decides whether `request` may perform `action` (look at your session, your SSO header, ...).
 * Without it the Observer is read-only: no action forms, and every POST is refused with 403.
 */
export type ObserverAuthorize = (request: Request, action: ObserverAction) => boolean | Promise<boolean>;

/** Options of {@link createObserver}: a journal, or an inspector (and a client for actions). */
export interface ObserverOptions {
  /** The journal to read (an inspector and clients are made from it). */
  readonly journal?: Journal;
  /** The read model, when the host made it (with `client` for actions). */
  readonly inspector?: Inspector;
  /**
   * Sends cancellations and signals when there is no `journal` (then not audited, and there is
   * no retry nor repair). With `journal`, actions go through `createOperator` and are audited.
   */
  readonly client?: Client;
  /** Path the Observer is mounted under, e.g. `/observer` (default: the root). */
  readonly basePath?: string;
  /** Enables actions; see {@link ObserverAuthorize}. */
  readonly authorize?: ObserverAuthorize;
  /**
   * Who acts, for the audit log (the user your session or SSO header names); default
   * "observer". Actions given `journal` are recorded through core's operator API.
   */
  readonly actor?: (request: Request) => string | Promise<string>;
  /** The transformer's manifest (parsed JSON): timeline events link to the line that issued them. */
  readonly manifest?: ObserverManifest;
  /** Base URL of source links (`${sourceUrl}${file}#L${line}`); without it links show `file:line` only. */
  readonly sourceUrl?: string;
  /** Key of the CSRF tokens; default a random key per process (tokens then last as long as it). */
  readonly csrfSecret?: string;
  /** Mark the session cookie `Secure` (default: when the request URL is https). */
  readonly secureCookie?: boolean;
  /** How often live pages poll the read model, default 1000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Your workflow definitions (or `{ name, searchAttributes }`): the runs page's attribute query
   * offers their declared attributes, types the values typed into it (a number for an `int`, an
   * instant for a `datetime`) and refuses a wrong one (`CTM_INVALID_ATTRIBUTE_QUERY`, shown with
   * its fix line). Without it, values are read as numbers or booleans when they are one.
   */
  readonly workflows?: readonly DeclaringWorkflow[];
  /** Shown in the title bar, default "Continuum Observer". */
  readonly title?: string;
}
