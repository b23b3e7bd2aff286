import type { InspectedEvent, InspectedHistoryPage, InspectedRun, InspectedError } from "@continuum/core";
import { errorBlock, formatDuration, payloadBlock, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { href, runPath, type PageContext } from "./page-context.ts";

/** Colour family of an event kind, for the timeline's left rule. */
function family(kind: string): string {
  if (kind.startsWith("run_")) return kind === "run_failed" ? "bad" : "life";
  if (kind.endsWith("_failed") || kind.endsWith("_timed_out")) return "bad";
  if (kind.startsWith("compensation")) return "comp";
  if (kind.startsWith("signal") || kind.startsWith("update")) return "signal";
  if (kind.startsWith("timer")) return "timer";
  if (kind.startsWith("child")) return "child";
  return "effect";
}

function isInspectedError(value: unknown): value is InspectedError {
  return (
    typeof value === "object" &&
    value !== null &&
    "name" in value &&
    "message" in value &&
    typeof (value as { message: unknown }).message === "string"
  );
}

/**
 * The decoded timeline of one history page: each event with its time, the time since the event
 * before it, its effect identity (a source link when the manifest knows it) and its fields as
 * collapsible JSON; errors show their code and fix line.
 */
export function timelineSection(
  context: PageContext,
  run: InspectedRun,
  page: InspectedHistoryPage,
  afterSeq: number,
): Html {
  const rows = page.events.map((event, index) => {
    const previous = index === 0 ? undefined : page.events[index - 1];
    return eventRow(context, run, event, previous);
  });
  const base = href(context, runPath(run.runId));
  return html`<section class="card">
    <h2>
      Timeline
      <span class="muted">${afterSeq === 0 ? "" : `from event ${afterSeq + 1}, `}${run.lastSeq} events</span>
    </h2>
    <div class="timeline-tools">
      <button type="button" data-toggle-details="open">Expand all</button>
      <button type="button" data-toggle-details="close">Collapse all</button>
    </div>
    <ol class="timeline">
      ${rows}
    </ol>
    <nav class="pager">
      ${afterSeq === 0 ? "" : html`<a href="${base}">← First events</a>`}
      ${page.nextAfterSeq === undefined ? "" : html`<a rel="next" href="${base}?afterSeq=${page.nextAfterSeq}">Later events →</a>`}
    </nav>
  </section>`;
}

function eventRow(
  context: PageContext,
  run: InspectedRun,
  event: InspectedEvent,
  previous: InspectedEvent | undefined,
): Html {
  const source =
    event.identity === undefined
      ? undefined
      : context.sources?.locate(run.workflowName, run.versionHash, event.identity);
  const { error, ...rest } = event.data as { error?: unknown } & Record<string, unknown>;
  const hasRest = Object.keys(rest).length > 0;
  return html`<li class="event ev-${family(event.kind)}" id="event-${event.seq}" data-seq="${event.seq}">
    <div class="event-head">
      <a class="seq" href="#event-${event.seq}">#${event.seq}</a>
      <span class="kind">${event.kind}</span>
      ${event.identity === undefined ? "" : html`<span class="identity mono">${event.identity}</span>`}
      ${source === undefined ? "" : sourceLink(context, source)}
      <span class="when"
        >${timeCell(event.at, context.now)}${previous === undefined ? "" : html` <span class="delta">+${formatDuration(event.at - previous.at)}</span>`}</span
      >
    </div>
    ${hasRest ? payloadBlock(rest, "data") : ""}
    ${isInspectedError(error) ? errorBlock(error) : error === undefined ? "" : payloadBlock(error, "error")}
  </li>`;
}

function sourceLink(context: PageContext, at: string): Html {
  const match = /^(.*):(\d+):(\d+)$/.exec(at);
  const base = context.sourceUrl;
  if (match === null || base === undefined)
    return html`<span class="source" title="issued here">${at}</span>`;
  return html`<a class="source" href="${base}${match[1]!}#L${match[2]!}" title="issued here">${at}</a>`;
}
