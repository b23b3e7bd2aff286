import { html, type Html } from "./html.ts";
import { href, type PageContext } from "./page-context.ts";

/** Which page is open, for the navigation bar. */
export type Section = "runs" | "workflows" | "schedules" | "queues" | "health" | "audit";

/**
 * The page frame: head with the stylesheet and script (both served by the handler, no inline
 * code) and an empty icon (so browsers do not ask for /favicon.ico, a 404 in the console of
 * every page), the navigation bar and `body`. `live` names the server-sent events URL the script
 * listens to (data attribute; the script reads it).
 */
export function layout(
  context: PageContext,
  options: { title: string; section: Section | undefined; live?: string; notice?: string },
  body: Html,
): Html {
  const nav = (section: Section, path: string, label: string) =>
    html`<a href="${href(context, path)}" ${options.section === section ? html`aria-current="page"` : ""}
      >${label}</a
    >`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${options.title} · ${context.title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="${href(context, "/assets/observer.css")}" />
        <script src="${href(context, "/assets/observer.js")}" defer></script>
      </head>
      <body ${options.live === undefined ? "" : html`data-live="${options.live}"`}>
        <header class="topbar">
          <a class="brand" href="${href(context, "/")}"
            ><span class="logo" aria-hidden="true"></span>${context.title}</a
          >
          <nav>
            ${nav("runs", "/", "Runs")}${nav("workflows", "/workflows", "Workflows")}${nav("schedules", "/schedules", "Schedules")}${nav("queues", "/queues", "Queues")}${nav("health", "/health", "Health")}${nav("audit", "/audit", "Audit log")}
          </nav>
          <span class="mode ${context.authorize === undefined ? "mode-ro" : "mode-rw"}"
            >${context.authorize === undefined ? "read-only" : "actions enabled"}</span
          >
          ${options.live === undefined ? "" : html`<span class="live" id="live-indicator" title="live updates">live</span>`}
        </header>
        <main id="content">
          ${options.notice === undefined ? "" : html`<p class="notice" role="status">${options.notice}</p>`}
          ${body}
        </main>
      </body>
    </html>`;
}

/** A small error page body (404, 400, 403). */
export function messagePage(context: PageContext, title: string, message: string): Html {
  return layout(
    context,
    { title, section: undefined },
    html`<section class="card">
      <h1>${title}</h1>
      <p>${message}</p>
      <p><a href="${href(context, "/")}">Back to runs</a></p>
    </section>`,
  );
}
