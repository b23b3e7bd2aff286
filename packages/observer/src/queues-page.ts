import { formatDuration, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout } from "./layout.ts";
import type { PageContext } from "./page-context.ts";

/**
 * Named run queues (`defineQueue`): concurrency (global and per engine), rate limit with the
 * current window's count, default priority, backlog (runs waiting to be dequeued) with the
 * oldest one's age, running (slots in use), activity attempts routed to the queue, and for a
 * partitioned queue the backlog and running runs of each partition key.
 */
export async function queuesPage(context: PageContext): Promise<Html> {
  const queues = await context.inspector.queues();
  const limit = (value: number | undefined) =>
    value === undefined ? html`<span class="muted">∞</span>` : value;
  return layout(
    context,
    { title: "Queues", section: "queues" },
    html`<div class="page-head">
        <h1>Queues</h1>
        <span class="muted">${queues.length} queue${queues.length === 1 ? "" : "s"}</span>
      </div>
      ${
        queues.length === 0
          ? html`<p class="empty card">No queues (see <code>defineQueue</code> in guides/queues.md).</p>`
          : html`<div class="table-wrap card">
              <table class="queues">
                <thead>
                  <tr>
                    <th>Queue</th>
                    <th class="num">Backlog</th>
                    <th>Oldest waiting</th>
                    <th class="num">Running</th>
                    <th>Activity attempts</th>
                    <th class="num">Concurrency</th>
                    <th class="num">Per engine</th>
                    <th>Rate limit</th>
                    <th class="num">Default priority</th>
                  </tr>
                </thead>
                <tbody>
                  ${queues.map(
                    (q) =>
                      html`<tr data-queue="${q.name}">
                        <td><strong>${q.name}</strong></td>
                        <td class="num" data-backlog>${q.backlog}</td>
                        <td>${timeCell(q.oldestQueuedAt, context.now)}</td>
                        <td class="num" data-running>${q.running}</td>
                        <td data-activities>
                          ${q.activities.waiting} waiting, ${q.activities.running} running
                        </td>
                        <td class="num">${limit(q.concurrency)}</td>
                        <td class="num">${limit(q.perEngineConcurrency)}</td>
                        <td>
                          ${q.rateLimit === undefined ? html`<span class="muted">none</span>` : html`${q.rateLimit.limit} per ${formatDuration(q.rateLimit.periodMs)} <span class="muted">(${q.dequeuedInPeriod} in this window)</span>`}
                        </td>
                        <td class="num">${q.defaultPriority ?? 0}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
      ${queues
        .filter((q) => q.partitioned === true)
        .map(
          (q) =>
            html`<h2>${q.name}: by partition key</h2>
              <div class="table-wrap card">
                <table class="queue-partitions" data-partitions="${q.name}">
                  <thead>
                    <tr>
                      <th>Partition key</th>
                      <th class="num">Backlog</th>
                      <th class="num">Running</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${
                      (q.partitions ?? []).length === 0
                        ? html`<tr>
                            <td colspan="3" class="muted">No open runs in any partition.</td>
                          </tr>`
                        : (q.partitions ?? []).map(
                            (p) =>
                              html`<tr data-partition="${p.key}">
                                <td>${p.key}</td>
                                <td class="num">${p.backlog}</td>
                                <td class="num">${p.running}</td>
                              </tr>`,
                          )
                    }
                  </tbody>
                </table>
              </div>`,
        )}`,
  );
}
