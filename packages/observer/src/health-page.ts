import {
  ageBuckets,
  type FindingRun,
  type FindingTimer,
  type HealthReport,
  type InspectedFindingTask,
} from "@continuum/core";
import { formatDuration, shortId, statusBadge, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import { href, runPath, type PageContext } from "./page-context.ts";
import { staleAfterOf } from "./repair-page.ts";
import type { RepairKind } from "@continuum/core";
import { runStatuses } from "./runs-filters.ts";

/**
 * The health report: problems first, then every finding with its sample. With actions enabled,
 * each repairable finding (expired run leases, overdue timers, idle runs) links to its repair
 * preview (see repair-page.ts).
 */
export async function healthPage(context: PageContext): Promise<Html> {
  const staleAfterMs = staleAfterOf(context.url);
  const report = await context.inspector.health({ staleAfterMs });
  const repaired = Number(context.url.searchParams.get("repaired"));
  const skipped = Number(context.url.searchParams.get("skipped"));
  const notice =
    Number.isSafeInteger(repaired) &&
    Number.isSafeInteger(skipped) &&
    context.url.searchParams.has("repaired")
      ? `Repair done: ${repaired} applied, ${skipped} skipped (changed since the preview).`
      : undefined;
  const preview = (kind: RepairKind, count: number): Html =>
    context.operator === undefined || count === 0
      ? html``
      : html`<p>
          <a
            class="button"
            href="${href(context, "/health/repair", new URLSearchParams({ kind, staleAfterMs: String(staleAfterMs) }))}"
            >Preview repair</a
          >
        </p>`;
  return layout(
    context,
    { title: "Health", section: "health", ...(notice === undefined ? {} : { notice }) },
    html`<div class="page-head">
        <h1>Health</h1>
        ${report.problems.length === 0 ? html`<span class="badge ok">healthy</span>` : html`<span class="badge bad">${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}</span>`}<span
          class="muted"
          >conditions held longer than ${formatDuration(report.staleAfterMs)} · report at
          ${timeCell(report.now, context.now)}</span
        >
      </div>
      ${
        report.problems.length === 0
          ? ""
          : html`<section class="card problems">
              <h2>Problems</h2>
              <ul>
                ${report.problems.map(
                  (p) =>
                    html`<li>
                      <strong>${p.message}</strong> <span class="muted">(${p.kind}, ${p.count})</span>
                      <div class="error-fix"><span>fix:</span> ${p.fix}</div>
                    </li>`,
                )}
              </ul>
            </section>`
      }
      <div class="grid">
        <section class="card">
          <h2>Runs by status</h2>
          <div class="chips">
            ${runStatuses.map((s) => html`<a class="chip status-${s}" href="${href(context, "/", new URLSearchParams({ status: s }))}"><span>${s === "stuck_unknown_version" ? "stuck" : s}</span><strong>${report.runsByStatus[s]}</strong></a>`)}
          </div>
          ${report.schemaVersion === undefined ? "" : html`<p>Schema version <strong>${report.schemaVersion}</strong>${report.requiredSchemaVersion === undefined ? "" : html`, this build needs <strong>${report.requiredSchemaVersion}</strong>`}</p>`}
        </section>
        <section class="card">
          <h2>Open runs by age</h2>
          ${agesTable(report)}
        </section>
      </div>
      ${runFinding(context, "Unclaimed ready runs", "Ready for a step, no live lease: no engine serves them.", report.unclaimedReadyRuns)}
      ${runFinding(context, "Expired run leases", "Their engine died; another takes them over when they are ready.", report.expiredRunLeases, preview("expired-leases", report.expiredRunLeases.count))}
      ${timerFinding(context, report.overdueTimers.count, report.overdueTimers.sample, preview("overdue-timers", report.overdueTimers.count))}
      ${taskFinding(context, "Activity attempts past their deadline", "No worker claims that activity.", report.expiredTaskLeases.count, report.expiredTaskLeases.sample)}
      ${runFinding(context, "Idle runs", "Running with nothing that wakes them by itself: normal while waiting for a signal without a timeout, a lost wake-up otherwise.", report.idleRuns, preview("lost-wakes", report.idleRuns.count))}
      ${taskFinding(context, "Dead letters", "Activity tasks that failed for good; the workflow got the failure.", report.deadLetters.count, report.deadLetters.sample)}
      ${
        report.unknownVersions.length === 0
          ? ""
          : html`<section class="card">
              <h2>Runs stuck on unknown versions</h2>
              <table>
                <thead>
                  <tr>
                    <th>Workflow</th>
                    <th>Version</th>
                    <th class="num">Stuck</th>
                  </tr>
                </thead>
                <tbody>
                  ${report.unknownVersions.map(
                    (v) =>
                      html`<tr>
                        <td>${v.workflowName}</td>
                        <td class="mono">${v.versionHash}</td>
                        <td class="num">${v.counts.stuck_unknown_version}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </section>`
      }`,
  );
}

function agesTable(report: HealthReport): Html {
  return html`<table>
    <thead>
      <tr>
        <th></th>
        ${ageBuckets.map((b) => html`<th class="num">${b === "older" ? "older" : `< ${b}`}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${(["running", "stuck_unknown_version"] as const).map(
        (s) =>
          html`<tr>
            <td>${statusBadge(s)}</td>
            ${ageBuckets.map((b) => html`<td class="num">${report.openRunAges[s][b]}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function findingHead(title: string, help: string, count: number): Html {
  return html`<h2>${title} <span class="${count === 0 ? "muted" : "count-bad"}">${count}</span></h2>
    <p class="muted">${help}</p>`;
}

/** One column of a finding's sample table: its header, and the cell (`<td>`) of a sampled item. */
interface SampleColumn<Item> {
  readonly label: string;
  /** A column of numbers (right-aligned header). */
  readonly numeric?: true;
  readonly cell: (item: Item) => Html;
}

/**
 * One finding of the report, the block every finding repeats: its head (title, count, help),
 * the repair preview link of a repairable finding, and its sample as a table (none when empty).
 */
function findingSection<Item>(finding: {
  readonly title: string;
  readonly help: string;
  readonly count: number;
  readonly sample: readonly Item[];
  readonly columns: readonly SampleColumn<Item>[];
  readonly repair?: Html | undefined;
}): Html {
  const { title, help, count, sample, columns, repair } = finding;
  return html`<section class="card finding">
    ${findingHead(title, help, count)} ${repair ?? ""}
    ${
      sample.length === 0
        ? ""
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  ${columns.map((c) => (c.numeric ? html`<th class="num">${c.label}</th>` : html`<th>${c.label}</th>`))}
                </tr>
              </thead>
              <tbody>
                ${sample.map(
                  (item) =>
                    html`<tr>
                      ${columns.map((c) => c.cell(item))}
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

/** A link to a run's page showing its short run id. */
function runLink(context: PageContext, runId: string): Html {
  return html`<a class="mono" href="${href(context, runPath(runId))}">${shortId(runId)}</a>`;
}

function runFinding(
  context: PageContext,
  title: string,
  help: string,
  finding: { count: number; sample: readonly FindingRun[] },
  repair?: Html,
): Html {
  return findingSection({
    title,
    help,
    count: finding.count,
    sample: finding.sample,
    repair,
    columns: [
      { label: "Status", cell: (r) => html`<td>${statusBadge(r.status)}</td>` },
      { label: "Workflow", cell: (r) => html`<td>${r.workflowName}</td>` },
      {
        label: "Workflow id",
        cell: (r) => html`<td><a href="${href(context, runPath(r.runId))}">${r.workflowId}</a></td>`,
      },
      { label: "Since", cell: (r) => html`<td>${timeCell(r.since, context.now)}</td>` },
    ],
  });
}

function timerFinding(
  context: PageContext,
  count: number,
  sample: readonly FindingTimer[],
  repair: Html,
): Html {
  return findingSection({
    title: "Overdue timers",
    help: "Past their fire time: nothing fires timers.",
    count,
    sample,
    repair,
    columns: [
      { label: "Run", cell: (t) => html`<td>${runLink(context, t.runId)}</td>` },
      { label: "Effect", cell: (t) => html`<td class="mono">${t.identity}</td>` },
      { label: "Due", cell: (t) => html`<td>${timeCell(t.fireAt, context.now)}</td>` },
    ],
  });
}

/** A task a finding names: as the inspector reports it, or a dead letter's. */
type SampledTask =
  | InspectedFindingTask
  | {
      taskId: string;
      runId: string;
      activityName: string;
      attempt: number;
      since: number;
      lastError?: { message: string };
    };

function taskFinding(
  context: PageContext,
  title: string,
  help: string,
  count: number,
  sample: readonly SampledTask[],
): Html {
  return findingSection({
    title,
    help,
    count,
    sample,
    columns: [
      { label: "Run", cell: (t) => html`<td>${runLink(context, t.runId)}</td>` },
      { label: "Activity", cell: (t) => html`<td>${t.activityName}</td>` },
      { label: "Attempt", numeric: true, cell: (t) => html`<td class="num">${t.attempt}</td>` },
      { label: "Since", cell: (t) => html`<td>${timeCell(t.since, context.now)}</td>` },
      { label: "Last error", cell: (t) => html`<td>${t.lastError?.message.split("\n")[0] ?? ""}</td>` },
    ],
  });
}
