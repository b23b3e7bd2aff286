import type { InspectedInboxItem, InspectedTask, TimerRecord } from "@continuum/core";
import { errorBlock, formatDuration, payloadBlock, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import type { PageContext } from "./page-context.ts";

/** Pending timers with their due time. */
export function timersSection(context: PageContext, timers: readonly TimerRecord[]): Html {
  if (timers.length === 0) return html``;
  return html`<section class="card">
    <h2>Pending timers <span class="muted">${timers.length}</span></h2>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Effect</th>
            <th>Due</th>
            <th>In</th>
            <th>Set</th>
          </tr>
        </thead>
        <tbody>
          ${timers.map(
            (t) =>
              html`<tr>
                <td class="mono">${t.identity}</td>
                <td>${timeCell(t.fireAt, context.now)}</td>
                <td>
                  ${t.fireAt >= context.now ? formatDuration(t.fireAt - context.now) : html`<span class="late">overdue ${formatDuration(context.now - t.fireAt)}</span>`}
                </td>
                <td>${timeCell(t.createdAt, context.now)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

/** Undelivered inbox items: signals, results and cancellations waiting for the run's next step. */
export function inboxSection(context: PageContext, items: readonly InspectedInboxItem[]): Html {
  if (items.length === 0) return html``;
  return html`<section class="card">
    <h2>Inbox <span class="muted">${items.length} waiting for the next step</span></h2>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Kind</th>
            <th>Effect</th>
            <th>Received</th>
            <th>Data</th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (item) =>
              html`<tr>
                <td class="num">${item.id}</td>
                <td><span class="kind">${item.kind}</span></td>
                <td class="mono">${item.identity ?? ""}</td>
                <td>${timeCell(item.receivedAt, context.now)}</td>
                <td>${payloadBlock(item.data, "data")}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

/** The run's activities with attempts, last error and heartbeat. */
export function activitiesSection(context: PageContext, tasks: readonly InspectedTask[]): Html {
  if (tasks.length === 0) return html``;
  return html`<section class="card">
    <h2>Activities <span class="muted">${tasks.length}</span></h2>
    <div class="table-wrap">
      <table class="activities">
        <thead>
          <tr>
            <th>Activity</th>
            <th>Status</th>
            <th>Attempt</th>
            <th>Scheduled</th>
            <th>Due / finished</th>
            <th>Heartbeat</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          ${tasks.map(
            (task) =>
              html`<tr data-task-id="${task.taskId}">
                <td>
                  <strong>${task.activityName}</strong>
                  <div class="mono small">${task.identity}</div>
                  ${task.detached ? html`<span class="tag">detached</span>` : ""}
                  ${
                    task.fromHistory === true
                      ? html`<span class="tag" title="no task row: read from the run's history"
                          >${task.status === "running" ? "in-process" : "from history"}</span
                        >`
                      : ""
                  }
                </td>
                <td><span class="badge task-${task.status}">${task.status}</span></td>
                <td class="num">${task.attempt} / ${task.maxAttempts}</td>
                <td>${timeCell(task.scheduledAt, context.now)}</td>
                <td>
                  ${task.finishedAt === undefined ? timeCell(task.dueAt, context.now) : timeCell(task.finishedAt, context.now)}
                </td>
                <td>
                  ${timeCell(task.heartbeatAt, context.now)}${task.heartbeatDetails === undefined ? "" : payloadBlock(task.heartbeatDetails, "details")}
                </td>
                <td>
                  ${payloadBlock(task.args, "args")}${
                    task.lastError === undefined
                      ? ""
                      : html`<details class="payload">
                          <summary>
                            <span class="payload-label">last error</span>
                            <code>${task.lastError.message.split("\n")[0]}</code>
                          </summary>
                          ${errorBlock(task.lastError)}
                        </details>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}
