import type { ScheduleDescription } from "@continuum/core";
import { formatDuration, shortId, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import { href, runPath, type PageContext } from "./page-context.ts";

/**
 * Schedules (all namespaces, or `?namespace=`): pattern (cron or every), time zone, overlap
 * policy, paused state, the next fire times, the last fire and its run, fired and skipped
 * counts, and a link to the runs it started (their workflow ids are `<name>@<fire time>`).
 */
export async function schedulesPage(context: PageContext): Promise<Html> {
  const namespace = (context.url.searchParams.get("namespace") ?? "").trim();
  const schedules = await context.inspector.schedules(namespace === "" ? {} : { namespace });
  return layout(
    context,
    { title: "Schedules", section: "schedules" },
    html`<div class="page-head">
        <h1>Schedules</h1>
        <span class="muted"
          >${schedules.length} schedule${schedules.length === 1 ? "" : "s"},
          ${schedules.filter((s) => s.paused).length} paused</span
        >
      </div>
      ${
        schedules.length === 0
          ? html`<p class="empty card">No schedules.</p>`
          : html`<div class="table-wrap card">
              <table class="schedules">
                <thead>
                  <tr>
                    <th>Schedule</th>
                    <th>Workflow</th>
                    <th>Pattern</th>
                    <th>State</th>
                    <th>Next fire times</th>
                    <th>Last fire</th>
                    <th class="num">Fired</th>
                    <th class="num">Skipped</th>
                  </tr>
                </thead>
                <tbody>
                  ${schedules.map((s) => row(context, s))}
                </tbody>
              </table>
            </div>`
      }`,
  );
}

function row(context: PageContext, s: ScheduleDescription): Html {
  const runs = href(context, "/", new URLSearchParams({ namespace: s.namespace, search: `${s.name}@` }));
  return html`<tr data-schedule="${s.name}" data-paused="${s.paused ? "1" : "0"}">
    <td>
      <strong>${s.name}</strong> <span class="muted">${s.namespace}</span>
      <div><a href="${runs}">runs →</a></div>
    </td>
    <td>${s.workflowName} <span class="mono muted">${shortId(s.versionHash, 12)}</span></td>
    <td>
      <code>${s.spec.cron ?? `every ${formatDuration(s.spec.everyMs ?? 0)}`}</code>
      <div class="muted">${s.spec.timezone} · overlap ${s.spec.overlap}</div>
    </td>
    <td>
      ${s.paused ? html`<span class="badge paused">paused</span>` : html`<span class="badge ok">active</span>`}
    </td>
    <td class="upcoming">
      ${s.upcoming.length === 0 ? html`<span class="muted">–</span>` : s.upcoming.slice(0, 3).map((at) => html`<div>${timeCell(at, context.now)}</div>`)}
    </td>
    <td>
      ${timeCell(s.lastFireAt, context.now)}
      ${s.lastRunId === undefined ? "" : html`<div><a class="mono" href="${href(context, runPath(s.lastRunId))}">${shortId(s.lastRunId)}</a></div>`}
    </td>
    <td class="num">${s.firedCount}</td>
    <td class="num" title="${s.lastSkipReason ?? ""}">
      ${s.skippedCount}${s.lastSkipReason === undefined ? "" : html` <span class="muted">(${s.lastSkipReason})</span>`}
    </td>
  </tr>`;
}
