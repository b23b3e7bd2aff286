import { ContinuumError, ErrorCode, type InspectedRun, type RunCounts } from "@continuum/core";
import { attributeFieldset } from "./attribute-filter.ts";
import { shortId, statusBadge, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import { href, runPath, type PageContext } from "./page-context.ts";
import { runsFingerprint } from "./live-events.ts";
import {
  filterParams,
  pageLimit,
  readRunsFilters,
  runStatuses,
  toPageRequest,
  toRunsQuery,
  type RunsFilters,
} from "./runs-filters.ts";

/** The runs page: filters, counts by status, one keyset page of runs and its neighbours' links. */
export async function runsPage(context: PageContext): Promise<Html> {
  const filters = readRunsFilters(context.url);
  const limit = pageLimit(context.url);
  const workflows = context.workflows ?? [];
  let loaded;
  try {
    loaded = await Promise.all([
      context.inspector.runs(toPageRequest(filters, context.url, limit, workflows)),
      context.inspector.counts(toRunsQuery(filters, workflows)),
    ]);
  } catch (error) {
    // A bad attribute query is the user's to fix: the form stays, with the error and its fix line.
    if (!(error instanceof ContinuumError) || error.code !== ErrorCode.InvalidAttributeQuery) throw error;
    return layout(
      context,
      { title: "Runs", section: "runs" },
      html`<div class="page-head"><h1>Runs</h1></div>
        ${filterForm(context, filters)} ${queryError(error)}`,
    );
  }
  const [page, counts] = loaded;
  // The live stream watches exactly this page (same filters and cursor).
  const watched = new URLSearchParams([...context.url.searchParams, ["page", "runs"]]);
  watched.set("fp", runsFingerprint(page, counts));
  const live = href(context, "/events", watched);
  return layout(
    context,
    { title: "Runs", section: "runs", live },
    html`<div class="page-head">
        <h1>Runs</h1>
        <span class="muted" id="runs-total">${counts.total} matching</span>
      </div>
      ${filterForm(context, filters)} ${countChips(context, filters, counts)}
      <div data-live-region="runs">
        ${runsTable(context, page.runs, [...new Set(filters.query.map((row) => row.name))])}
        <nav class="pager" aria-label="pages">
          ${page.previous === undefined ? html`<span class="disabled">← Newer</span>` : html`<a rel="prev" href="${href(context, "/", withParam(filterParams(filters), "before", page.previous, context.url))}">← Newer</a>`}
          ${page.next === undefined ? html`<span class="disabled">Older →</span>` : html`<a rel="next" href="${href(context, "/", withParam(filterParams(filters), "after", page.next, context.url))}">Older →</a>`}
        </nav>
      </div>`,
  );
}

/** Filter parameters (and the page size of the URL) with one more parameter set. */
function withParam(params: URLSearchParams, name: string, value: string, url: URL): URLSearchParams {
  const copy = new URLSearchParams(params);
  const limit = url.searchParams.get("limit");
  if (limit !== null) copy.set("limit", limit);
  copy.set(name, value);
  return copy;
}

function filterForm(context: PageContext, filters: RunsFilters): Html {
  const input = (name: keyof RunsFilters, label: string, placeholder: string, type = "text") =>
    html`<label
      ><span>${label}</span
      ><input type="${type}" name="${name}" value="${filters[name] as string}" placeholder="${placeholder}"
    /></label>`;
  const active = filterParams(filters).size > 0;
  // On a phone the script folds the form away unless a filter is set (the summary opens it).
  return html`<details class="filter-box card" open ${active ? html`data-active` : ""}>
    <summary>Filters${active ? html` <span class="muted">(active)</span>` : ""}</summary>
    <form class="filters" method="get" action="${href(context, "/")}">
      ${input("search", "Search", "run id or workflow id prefix", "search")}
      ${input("workflow", "Workflow", "name")} ${input("version", "Version", "hash")}
      ${input("namespace", "Namespace", "any")} ${input("from", "Started from (UTC)", "", "datetime-local")}
      ${input("to", "Started before (UTC)", "", "datetime-local")}
      ${input("attr", "Attributes", "key=value, key2=value2")}
      ${filters.parent === "" ? "" : html`<input type="hidden" name="parent" value="${filters.parent}" />`}
      ${attributeFieldset(filters.query, filters.match, context.workflows ?? [])}
      <fieldset class="status-filter">
        <legend>Status</legend>
        ${runStatuses.map(
          (status) =>
            html`<label class="check"
              ><input
                type="checkbox"
                name="status"
                value="${status}"
                ${filters.status.includes(status) ? html`checked` : ""}
              />${statusBadge(status)}</label
            >`,
        )}
      </fieldset>
      <div class="filter-actions">
        <button type="submit">Apply</button> <a href="${href(context, "/")}">Clear</a>
      </div>
    </form>
  </details>`;
}

function countChips(context: PageContext, filters: RunsFilters, counts: RunCounts): Html {
  const chip = (status: (typeof runStatuses)[number]) => {
    const active = filters.status.length === 1 && filters.status[0] === status;
    const params = filterParams(filters, { status: active ? [] : [status] });
    return html`<a
      class="chip status-${status} ${active ? "active" : ""}"
      href="${href(context, "/", params)}"
      data-status="${status}"
      ><span>${status === "stuck_unknown_version" ? "stuck" : status}</span
      ><strong data-count="${status}">${counts[status]}</strong></a
    >`;
  };
  return html`<div class="chips" id="status-counts">${runStatuses.map(chip)}</div>`;
}

/** The refusal of an attribute query: its code, what is wrong, and the fix line. */
function queryError(error: ContinuumError<unknown>): Html {
  const [problem] = error.message.split("\n  fix: ");
  return html`<div class="card query-error" role="alert" id="query-error">
    <p><strong>${error.code}</strong> ${problem}</p>
    <p class="muted">fix: ${error.hint}</p>
  </div>`;
}

/** An attribute's value as the runs table shows it (JSON, shortened). */
function attributeText(value: unknown): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function runsTable(
  context: PageContext,
  runs: readonly InspectedRun[],
  queried: readonly string[] = [],
): Html {
  if (runs.length === 0) return html`<p class="empty card">No runs match these filters.</p>`;
  return html`<div class="table-wrap">
    <table class="runs">
      <thead>
        <tr>
          <th>Status</th>
          <th>Workflow</th>
          <th>Workflow id</th>
          <th>Run id</th>
          <th>Version</th>
          <th class="hide-sm">Namespace</th>
          <th>Started</th>
          <th class="hide-sm">Finished</th>
          <th class="num hide-sm">Events</th>
          ${queried.map((name) => html`<th class="attr-col">${name}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (run) =>
            html`<tr data-run-id="${run.runId}" data-status="${run.status}">
              <td>${statusBadge(run.status)}</td>
              <td class="wf">${run.workflowName}</td>
              <td><a href="${href(context, runPath(run.runId))}">${run.workflowId}</a></td>
              <td class="mono"><a href="${href(context, runPath(run.runId))}">${shortId(run.runId)}</a></td>
              <td class="mono">${shortId(run.versionHash, 8)}</td>
              <td class="hide-sm">${run.namespace}</td>
              <td>${timeCell(run.createdAt, context.now)}</td>
              <td class="hide-sm">${timeCell(run.finishedAt, context.now)}</td>
              <td class="num hide-sm">${run.lastSeq}</td>
              ${queried.map((name) => html`<td class="attr-col mono" data-attr="${name}">${attributeText(run.attributes[name])}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
