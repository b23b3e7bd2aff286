import { toDisplayJson, type InspectedError } from "@continuum/core";
import { html, type Html } from "./html.ts";

/** An instant as UTC text to the second (`2026-12-07 08:00:05Z`), or a dash. */
export function formatInstant(ms: number | undefined): string {
  if (ms === undefined) return "–";
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

/** A duration for people: `850 ms`, `4.2 s`, `3 m 10 s`, `2 h 5 m`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const s = Math.floor(abs / 1000);
  if (abs < 3_600_000) return `${sign}${Math.floor(s / 60)} m${s % 60 === 0 ? "" : ` ${s % 60} s`}`;
  if (abs < 86_400_000) {
    const m = Math.floor((s % 3600) / 60);
    return `${sign}${Math.floor(s / 3600)} h${m === 0 ? "" : ` ${m} m`}`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return `${sign}${Math.floor(s / 86400)} d${h === 0 ? "" : ` ${h} h`}`;
}

/** `<time>` with the UTC instant and, as its title, how long ago (or ahead) it is. */
export function timeCell(ms: number | undefined, now: number): Html {
  if (ms === undefined) return html`<span class="muted">–</span>`;
  const delta = now - ms;
  const relative = delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
  return html`<time datetime="${new Date(ms).toISOString()}" title="${relative}">${formatInstant(ms)}</time>`;
}

/** A decoded value as indented JSON text (dates ISO, bigints `10n`, maps `$map`, ...). */
export function prettyJson(value: unknown): string {
  const text = JSON.stringify(toDisplayJson(value), null, 2);
  return text === undefined ? "undefined" : text;
}

/** A payload as a collapsible block: a one-line summary that opens onto the indented JSON. */
export function payloadBlock(value: unknown, label = "payload", open = false): Html {
  const text = prettyJson(value);
  const summary = text.length > 80 ? `${text.replace(/\s+/g, " ").slice(0, 77)}…` : text.replace(/\s+/g, " ");
  return html`<details class="payload" ${open ? html`open` : ""}>
    <summary><span class="payload-label">${label}</span> <code>${summary}</code></summary>
    <pre>${text}</pre>
  </details>`;
}

/** A run status as a coloured badge. */
export function statusBadge(status: string): Html {
  const label = status === "stuck_unknown_version" ? "stuck" : status;
  return html`<span class="badge status-${status}">${label}</span>`;
}

/** An error with its code, message, fix line and causes. */
export function errorBlock(error: InspectedError): Html {
  return html`<div class="error-box">
    <div class="error-head">
      ${error.code === undefined ? "" : html`<code class="error-code">${error.code}</code> `}<strong
        >${error.name}</strong
      >
    </div>
    <pre class="error-message">${error.message}</pre>
    ${error.fix === undefined ? "" : html`<p class="error-fix"><span>fix:</span> ${error.fix}</p>`}
    ${error.data === undefined ? "" : payloadBlock(error.data, "data")}
    ${
      error.stack === undefined
        ? ""
        : html`<details class="payload">
            <summary>stack</summary>
            <pre>${error.stack}</pre>
          </details>`
    }
    ${error.cause === undefined ? "" : html`<div class="error-cause"><span class="muted">caused by</span>${errorBlock(error.cause)}</div>`}
  </div>`;
}

/** Short form of a long id or hash for a table cell (the full value in the title). */
export function shortId(id: string, length = 12): Html {
  return id.length <= length + 1 ? html`${id}` : html`<span title="${id}">${id.slice(0, length)}…</span>`;
}
