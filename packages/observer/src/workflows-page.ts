import { shortId } from "./format.ts";
import { timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import { href, type PageContext } from "./page-context.ts";
import { runStatuses } from "./runs-filters.ts";

/** Workflow names and versions that have runs, with runs per status (each links to those runs). */
export async function workflowsPage(context: PageContext): Promise<Html> {
  const namespace = (context.url.searchParams.get("namespace") ?? "").trim();
  const list = await context.inspector.workflows(namespace === "" ? {} : { namespace });
  const link = (workflow: string, version: string, status: string | undefined, text: number | string) => {
    const params = new URLSearchParams({ workflow, version });
    if (status !== undefined) params.set("status", status);
    if (namespace !== "") params.set("namespace", namespace);
    return html`<a href="${href(context, "/", params)}">${text}</a>`;
  };
  const names = new Set(list.map((w) => w.workflowName));
  return layout(
    context,
    { title: "Workflows", section: "workflows" },
    html`<div class="page-head">
        <h1>Workflows</h1>
        <span class="muted">${names.size} workflows, ${list.length} versions</span>
      </div>
      ${
        list.length === 0
          ? html`<p class="empty card">No runs yet.</p>`
          : html`<div class="table-wrap card">
              <table class="workflows">
                <thead>
                  <tr>
                    <th>Workflow</th>
                    <th>Version</th>
                    ${runStatuses.map((s) => html`<th class="num"><span class="badge status-${s}">${s === "stuck_unknown_version" ? "stuck" : s}</span></th>`)}
                    <th class="num">Total</th>
                    <th>Last started</th>
                  </tr>
                </thead>
                <tbody>
                  ${list.map(
                    (w) =>
                      html`<tr class="${w.counts.stuck_unknown_version > 0 ? "has-stuck" : ""}">
                        <td class="wf">${w.workflowName}</td>
                        <td class="mono">${shortId(w.versionHash, 16)}</td>
                        ${runStatuses.map((s) => html`<td class="num">${w.counts[s] === 0 ? html`<span class="muted">0</span>` : link(w.workflowName, w.versionHash, s, w.counts[s])}</td>`)}
                        <td class="num">${link(w.workflowName, w.versionHash, undefined, w.counts.total)}</td>
                        <td>${timeCell(w.lastStartedAt, context.now)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
      ${list.some((w) => w.counts.stuck_unknown_version > 0) ? html`<p class="note">A version with <span class="badge status-stuck_unknown_version">stuck</span> runs has no engine with its code: deploy that version or cancel the runs (see guides/versioning.md).</p>` : ""}`,
  );
}
