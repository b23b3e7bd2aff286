import {
  ContinuumError,
  createClient,
  createInspector,
  createOperator,
  type Client,
  type Inspector,
} from "@continuum/core";
import { handleAction, runActionNames, type RunActionName } from "./actions.ts";
import { auditPage } from "./audit-page.ts";
import { assetResponse } from "./assets.ts";
import { createCsrfGuard } from "./csrf.ts";
import { healthPage } from "./health-page.ts";
import { handleRepair, repairPreviewPage } from "./repair-page.ts";
import { requestOrigin } from "./request-origin.ts";
import type { Html } from "./html.ts";
import { messagePage } from "./layout.ts";
import { liveEvents } from "./live-events.ts";
import type { ObserverOptions } from "./observer-options.ts";
import type { PageContext } from "./page-context.ts";
import { htmlResponse, securityHeaders } from "./responses.ts";
import { queuesPage } from "./queues-page.ts";
import { runPage } from "./run-page.ts";
import { schedulesPage } from "./schedules-page.ts";
import { runsPage } from "./runs-page.ts";
import { createSourceIndex } from "./source-index.ts";
import { workflowsPage } from "./workflows-page.ts";

/** The Observer: a standard fetch-style handler. */
export type ObserverHandler = (request: Request) => Promise<Response>;

/**
 * Creates the Observer as a `(request: Request) => Promise<Response>` handler serving its pages
 * (runs, run, workflows, schedules, queues, health, audit log), its stylesheet and script, and live updates
 * (server-sent events) under `basePath`. It reads only through core's public read model.
 * Without `authorize` it is read-only; with it, the run page offers cancel, terminate, signal
 * and retry forms and the health page previews and confirms repairs, all CSRF-protected and
 * (given `journal`) recorded in the audit log through core's operator API with the actor the
 * `actor` hook names. A request outside `basePath` gets 404.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { openJournal } from "@continuum/core";
 * import { createObserver, toNodeHandler } from "@continuum/observer";
 *
 * const journal = await openJournal({ url: process.env.DATABASE_URL });
 * const observer = createObserver({
 *   journal,
 *   basePath: "/observer",
 *   authorize: (request) => isAdmin(request), // your session check; without it: read-only
 *   actor: (request) => userOf(request), // who acts, in the audit log
 * });
 * createServer(toNodeHandler(observer)).listen(4000);
 * ```
 */
export function createObserver(options: ObserverOptions): ObserverHandler {
  const workflows = options.workflows ?? [];
  const inspector: Inspector | undefined =
    options.inspector ??
    (options.journal === undefined ? undefined : createInspector(options.journal, { workflows }));
  if (inspector === undefined)
    throw new TypeError("createObserver: give `journal`, or `inspector` (and `client` for actions)");
  const basePath = normalizeBasePath(options.basePath ?? "");
  const clients = new Map<string, Client>();
  const journal = options.journal;
  const clientFor =
    options.client !== undefined
      ? () => options.client!
      : journal === undefined
        ? undefined
        : (namespace: string) => {
            let client = clients.get(namespace);
            if (client === undefined) clients.set(namespace, (client = createClient({ journal, namespace })));
            return client;
          };
  if (options.authorize !== undefined && clientFor === undefined)
    throw new TypeError("createObserver: `authorize` enables actions, which need `journal` or `client`");
  if (options.sourceUrl !== undefined && !/^https?:\/\//.test(options.sourceUrl))
    throw new TypeError("createObserver: `sourceUrl` must be an http(s) URL");
  const sources = options.manifest === undefined ? undefined : createSourceIndex(options.manifest);
  const csrf = createCsrfGuard({
    basePath,
    ...(options.csrfSecret === undefined ? {} : { secret: options.csrfSecret }),
    ...(options.secureCookie === undefined ? {} : { secure: options.secureCookie }),
  });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const actorOf = options.actor ?? (() => "observer");
  const title = options.title ?? "Continuum Observer";

  return async (request) => {
    const url = new URL(request.url);
    if (basePath !== "" && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
      return new Response("not found", {
        status: 404,
        headers: securityHeaders({ "content-type": "text/plain" }),
      });
    const path = url.pathname.slice(basePath.length) || "/";
    const session = csrf.session(request);
    const context: PageContext = {
      request,
      url,
      inspector,
      basePath,
      now: Date.now(),
      csrfToken: csrf.token(session.id),
      title,
      workflows,
      ...(options.authorize === undefined ? {} : { authorize: options.authorize }),
      ...(clientFor === undefined ? {} : { clientFor }),
      ...(journal === undefined || options.authorize === undefined
        ? {}
        : {
            operator: async () =>
              createOperator({ journal, actor: await actorOf(request), origin: requestOrigin(request) }),
          }),
      ...(sources === undefined ? {} : { sources }),
      ...(options.sourceUrl === undefined ? {} : { sourceUrl: options.sourceUrl }),
    };
    const cookie: Record<string, string> =
      session.setCookie === undefined ? {} : { "set-cookie": session.setCookie };
    const page = (body: Html | undefined, status = 200) =>
      body === undefined
        ? htmlResponse(messagePage(context, "Not found", "No run has this id."), 404, cookie)
        : htmlResponse(body, status, cookie);
    try {
      const segments = path.split("/").slice(1).map(decodeSegment);
      if (segments.includes(undefined))
        return page(messagePage(context, "Bad request", "Malformed path."), 400);
      const [first, second, third, ...rest] = segments as string[];
      if (request.method === "POST") {
        if (
          first === "runs" &&
          second !== undefined &&
          (runActionNames as readonly string[]).includes(third ?? "") &&
          rest.length === 0
        )
          return await handleAction(context, csrf, second, third as RunActionName);
        if (path === "/health/repair") return await handleRepair(context, csrf);
        return page(messagePage(context, "Not allowed", "Only actions accept POST."), 405);
      }
      if (request.method !== "GET" && request.method !== "HEAD")
        return page(messagePage(context, "Not allowed", "The Observer answers GET and POST."), 405);
      if (path === "/" || path === "/runs") return page(await runsPage(context));
      if (first === "runs" && second !== undefined && third === undefined)
        return page(await runPage(context, second));
      if (path === "/workflows") return page(await workflowsPage(context));
      if (path === "/health") return page(await healthPage(context));
      if (path === "/health/repair") return page(await repairPreviewPage(context));
      if (path === "/audit") return page(await auditPage(context));
      if (path === "/schedules") return page(await schedulesPage(context));
      if (path === "/queues") return page(await queuesPage(context));
      if (path === "/events") return liveEvents(inspector, request, url, pollIntervalMs, workflows);
      if (first === "assets" && second !== undefined && third === undefined) {
        const asset = assetResponse(second);
        if (asset !== undefined) return asset;
      }
      return page(messagePage(context, "Not found", "There is no such page."), 404);
    } catch (error) {
      // Continuum's errors carry a code and say how to fix it (a bad cursor, a bad filter).
      if (error instanceof ContinuumError)
        return page(messagePage(context, "Bad request", `${error.code}: ${error.message}`), 400);
      throw error;
    }
  };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function normalizeBasePath(basePath: string): string {
  if (basePath === "" || basePath === "/") return "";
  if (!basePath.startsWith("/") || /[?#\s"'<>]/.test(basePath))
    throw new TypeError(
      `createObserver: basePath must be a path starting with "/", got ${JSON.stringify(basePath)}`,
    );
  return basePath.replace(/\/+$/, "");
}
