import type { InspectedRunDetail } from "@continuum/core";
import { actionForms } from "./action-forms.ts";
import { auditTable } from "./audit-page.ts";
import { errorBlock, payloadBlock, shortId, statusBadge, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import { runFingerprint } from "./live-events.ts";
import { href, runPath, type PageContext } from "./page-context.ts";
import { activitiesSection, inboxSection, timersSection } from "./run-sections.ts";
import { timelineSection } from "./timeline.ts";

const historyPageSize = 500;
const auditPageSize = 10;

/** Notices an action redirect may name (fixed texts: nothing from the query string is shown). */
const notices: Record<string, string> = {
  cancel: "Cancellation requested: it takes effect at the run's next step.",
  terminate: "Termination requested: the run ends at its next step without running more of its code.",
  signal: "Signal sent.",
  "signal-duplicate": "A signal with this delivery id was already delivered: not sent again.",
  retry: "Retried from the failure: this is the new run. The failed run is unchanged.",
};

/** The run page, or undefined when no run has this id (run id, else workflow id). */
export async function runPage(context: PageContext, id: string): Promise<Html | undefined> {
  const detail = await context.inspector.run(id);
  if (detail === undefined) return undefined;
  const { run } = detail;
  const afterSeqParam = Number(context.url.searchParams.get("afterSeq") ?? "0");
  const afterSeq = Number.isInteger(afterSeqParam) && afterSeqParam >= 0 ? afterSeqParam : 0;
  const [history, tasks, timers, inbox, children, audit] = await Promise.all([
    context.inspector.history(run.runId, { afterSeq, limit: historyPageSize }),
    context.inspector.tasks(run.runId),
    context.inspector.timers(run.runId),
    context.inspector.inbox(run.runId),
    detail.children > 0 ? context.inspector.runs({ parentRunId: run.runId, limit: 50 }) : undefined,
    context.inspector.auditLog({ runId: run.runId, limit: auditPageSize }),
  ]);
  const notice = notices[context.url.searchParams.get("notice") ?? ""];
  const fp = runFingerprint(detail, tasks);
  const live = href(context, "/events", new URLSearchParams({ page: "run", run: run.runId, fp }));
  return layout(
    context,
    {
      title: `${run.workflowName} ${run.workflowId}`,
      section: "runs",
      live,
      ...(notice === undefined ? {} : { notice }),
    },
    html`<div data-live-region="run">
      <div class="page-head run-head">
        <h1>
          <span class="wf">${run.workflowName}</span> <span class="muted">/</span>
          <span class="mono">${run.workflowId}</span>
        </h1>
        ${statusBadge(run.status)}
      </div>
      ${
        run.error === undefined
          ? ""
          : html`<section class="card failure">
              <h2>Failure</h2>
              ${errorBlock(run.error)}
            </section>`
      }
      <div class="grid">
        <section class="card">
          <h2>Details</h2>
          ${detailsList(context, detail)}
        </section>
        <section class="card">
          <h2>Data</h2>
          ${payloadBlock(run.input, "input", true)}
          ${run.result === undefined && run.status !== "completed" ? "" : payloadBlock(run.result, "result", true)}
          ${Object.keys(run.attributes).length === 0 ? html`<p class="muted">No attributes.</p>` : payloadBlock(run.attributes, "attributes", true)}
        </section>
      </div>
      ${actionForms(context, detail)} ${timersSection(context, timers)} ${inboxSection(context, inbox)}
      ${activitiesSection(context, tasks)}
      ${children === undefined ? "" : childrenSection(context, detail, children.runs, children.next !== undefined)}
      ${
        audit.entries.length === 0
          ? ""
          : html`<section class="card" id="operator-actions">
              <h2>Operator actions <span class="muted">newest first</span></h2>
              ${auditTable(context, audit.entries)}
              ${audit.next === undefined ? "" : html`<p><a href="${href(context, "/audit", new URLSearchParams({ run: run.runId }))}">All of this run's actions →</a></p>`}
            </section>`
      }
      ${timelineSection(context, run, history, afterSeq)}
    </div>`,
  );
}

function detailsList(context: PageContext, detail: InspectedRunDetail): Html {
  const { run } = detail;
  const runLink = (id: string) => html`<a class="mono" href="${href(context, runPath(id))}">${id}</a>`;
  const row = (label: string, value: Html | string | number) =>
    html`<dt>${label}</dt>
      <dd>${value}</dd>`;
  const definition = context.sources?.definition(run.workflowName, run.versionHash);
  return html`<dl class="details">
    ${row("Run id", html`<span class="mono">${run.runId}</span>`)}
    ${row("Workflow id", html`<span class="mono">${run.workflowId}</span>`)}
    ${row("Namespace", run.namespace)}
    ${row("Version", html`<span class="mono">${run.versionHash}</span>${definition === undefined ? "" : html` <span class="source">${definition}</span>`}`)}
    ${row("Started", timeCell(run.createdAt, context.now))}
    ${row("Updated", timeCell(run.updatedAt, context.now))}
    ${row("Finished", timeCell(run.finishedAt, context.now))}
    ${row("Lease", run.leaseOwner === undefined ? html`<span class="muted">none</span>` : html`<span class="mono">${run.leaseOwner}</span> until ${timeCell(run.leaseExpiresAt, context.now)}`)}
    ${row("Ready for a step", detail.ready ? "yes" : "no")}
    ${detail.notBefore === undefined ? "" : row("Deferred until", timeCell(detail.notBefore, context.now))}
    ${row("Next wake-up", timeCell(detail.nextWakeAt, context.now))} ${row("Events", run.lastSeq)}
    ${row("Open activities", detail.openTasks)}
    ${run.parentRunId === undefined ? "" : row("Parent", runLink(run.parentRunId))}
    ${detail.continuedFrom === undefined ? "" : row("Continued from", runLink(detail.continuedFrom))}
    ${run.continuedTo === undefined ? "" : row("Continues as", runLink(run.continuedTo))}
    ${row("Children", detail.children === 0 ? "0" : html`<a href="${href(context, "/", new URLSearchParams({ parent: run.runId }))}">${detail.children}</a>`)}
  </dl>`;
}

function childrenSection(
  context: PageContext,
  detail: InspectedRunDetail,
  children: readonly {
    runId: string;
    workflowId: string;
    workflowName: string;
    status: string;
    createdAt: number;
  }[],
  more: boolean,
): Html {
  return html`<section class="card">
    <h2>Children <span class="muted">${detail.children}</span></h2>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Status</th>
            <th>Workflow</th>
            <th>Workflow id</th>
            <th>Run id</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          ${children.map(
            (child) =>
              html`<tr>
                <td>${statusBadge(child.status)}</td>
                <td>${child.workflowName}</td>
                <td><a href="${href(context, runPath(child.runId))}">${child.workflowId}</a></td>
                <td class="mono">${shortId(child.runId)}</td>
                <td>${timeCell(child.createdAt, context.now)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${more ? html`<p><a href="${href(context, "/", new URLSearchParams({ parent: detail.run.runId }))}">All children →</a></p>` : ""}
  </section>`;
}
