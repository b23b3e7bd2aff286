import type { Encoded, OperatorActionRecord } from "@continuum/core";
import { shortId, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import { href, runPath, type PageContext } from "./page-context.ts";

const pageSize = 50;

/**
 * The audit log: every operator action (Observer, CLI, an app's own `createOperator`), newest
 * first, 50 a page with a keyset cursor (`before`); `run` narrows it to one run's entries.
 */
export async function auditPage(context: PageContext): Promise<Html> {
  const beforeParam = Number(context.url.searchParams.get("before") ?? "");
  const before = Number.isSafeInteger(beforeParam) && beforeParam > 0 ? beforeParam : undefined;
  const runId = (context.url.searchParams.get("run") ?? "").trim();
  const page = await context.inspector.auditLog({
    limit: pageSize,
    ...(before === undefined ? {} : { before }),
    ...(runId === "" ? {} : { runId }),
  });
  const query = (extra: Record<string, string>) =>
    new URLSearchParams({ ...(runId === "" ? {} : { run: runId }), ...extra });
  return layout(
    context,
    { title: "Audit log", section: "audit" },
    html`<div class="page-head">
        <h1>Audit log</h1>
        <span class="muted"
          >operator actions, newest
          first${runId === "" ? "" : html` · run <a class="mono" href="${href(context, runPath(runId))}">${runId}</a> · <a href="${href(context, "/audit")}">all runs</a>`}</span
        >
      </div>
      ${
        page.entries.length === 0
          ? html`<p class="empty card">
              No operator actions${before === undefined ? " yet" : " before this point"}.
            </p>`
          : html`<div class="card">${auditTable(context, page.entries)}</div>`
      }
      <nav class="pager">
        ${before === undefined ? "" : html`<a href="${href(context, "/audit", query({}))}">← Newest</a>`}
        ${page.next === undefined ? "" : html`<a href="${href(context, "/audit", query({ before: String(page.next) }))}">Older →</a>`}
      </nav>`,
  );
}

/** Audit entries as a table: when, who, what, on which run, with what, from where, outcome. */
export function auditTable(context: PageContext, entries: readonly OperatorActionRecord[]): Html {
  return html`<div class="table-wrap">
    <table class="audit">
      <thead>
        <tr>
          <th>When</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Target</th>
          <th>Parameters</th>
          <th>From</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>
        ${entries.map(
          (e) =>
            html`<tr data-action="${e.action}" data-outcome="${e.outcome}">
              <td>${timeCell(e.at, context.now)}</td>
              <td class="actor">${e.actor}</td>
              <td><span class="kind">${e.action}</span></td>
              <td>
                ${e.runId === undefined ? html`<span class="muted">–</span>` : html`<a class="mono" href="${href(context, runPath(e.runId))}">${e.workflowId ?? shortId(e.runId)}</a>`}
              </td>
              <td><code>${compact(e.parameters)}</code></td>
              <td title="${e.origin.userAgent ?? ""}">
                ${[e.origin.via, e.origin.ip, e.origin.host].filter((part) => part !== undefined).join(" · ") || "–"}
              </td>
              <td>
                ${
                  e.outcome === "succeeded"
                    ? html`<span class="badge outcome-succeeded">succeeded</span
                        >${e.result === undefined ? "" : html` <code>${compact(e.result)}</code>`}`
                    : html`<span class="badge outcome-failed">failed</span>
                        <code class="error-code">${e.error?.code ?? ""}</code>
                        <span class="muted">${e.error?.message.split("\n")[0] ?? ""}</span>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function compact(values: Readonly<Record<string, Encoded>>): string {
  const text = JSON.stringify(values);
  return text === "{}" ? "" : text.length > 200 ? `${text.slice(0, 197)}…` : text;
}
