import { repairKinds, type RepairItem, type RepairKind } from "@continuum/core";
import { csrfField } from "./action-forms.ts";
import { forbidden, formField, readActionForm, refused, seeOther } from "./action-form.ts";
import type { CsrfGuard } from "./csrf.ts";
import { formatDuration, timeCell } from "./format.ts";
import { html, type Html } from "./html.ts";
import { layout, messagePage } from "./layout.ts";
import { href, runPath, type PageContext } from "./page-context.ts";
import { htmlResponse } from "./responses.ts";

/** What each repair does, and the item kind its plan is made of. */
const repairs: Record<RepairKind, { title: string; change: string; item: RepairItem["kind"] }> = {
  "expired-leases": {
    title: "Release expired run leases",
    change:
      "clears the lease and bumps the fencing token (the dead holder's writes fail), so any engine claims the run at once",
    item: "release_lease",
  },
  "lost-wakes": {
    title: "Wake idle runs",
    change: "marks the run ready for a step, so an engine replays it and sees what it is waiting for",
    item: "mark_ready",
  },
  "overdue-timers": {
    title: "Fire overdue timers",
    change: "fires the timer now, as its engine would have, and wakes the run",
    item: "fire_timer",
  },
};

/** The repair kind a query or form names, or undefined. */
export function repairKindOf(value: string | null): RepairKind | undefined {
  return (repairKinds as readonly (string | null)[]).includes(value) ? (value as RepairKind) : undefined;
}

/** The staleness of the health page's query (`staleAfterMs`, default 60 s, at most 7 days). */
export function staleAfterOf(url: URL): number {
  const value = Number(url.searchParams.get("staleAfterMs"));
  return Number.isInteger(value) && value > 0 && value <= 7 * 86_400_000 ? value : 60_000;
}

/**
 * GET `/health/repair?kind=…`: the dry run of a repair (core's `planRepair`: nothing is
 * written) listing each item with the state it is fenced on, and a confirm form that posts
 * exactly this plan. Only when actions are enabled.
 */
export async function repairPreviewPage(context: PageContext): Promise<Html> {
  const kind = repairKindOf(context.url.searchParams.get("kind"));
  if (context.authorize === undefined || context.operator === undefined)
    return messagePage(
      context,
      "Read-only",
      "Repairs need actions enabled (an authorize hook and the journal).",
    );
  if (kind === undefined)
    return messagePage(context, "Bad request", `The repair kind must be one of ${repairKinds.join(", ")}.`);
  const staleAfterMs = staleAfterOf(context.url);
  const plan = await (await context.operator()).planRepair({ kind, staleAfterMs });
  const repair = repairs[kind];
  return layout(
    context,
    { title: repair.title, section: "health" },
    html`<div class="page-head">
        <h1>${repair.title}</h1>
        <span class="badge ok">dry run: nothing was changed</span>
      </div>
      <section class="card repair-preview">
        <p>
          Conditions held longer than ${formatDuration(staleAfterMs)}. Each item ${repair.change}. It is
          fenced on the state shown: an item whose row changed since this preview is skipped, not forced.
        </p>
        ${
          plan.length === 0
            ? html`<p class="empty">Nothing to repair.</p>`
            : html`<div class="table-wrap">
                  <table class="plan">
                    <thead>
                      <tr>
                        <th>Change</th>
                        <th>Run</th>
                        <th>Fenced on</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${plan.map(
                        (item) =>
                          html`<tr data-run-id="${item.runId}">
                            <td><span class="kind">${item.kind}</span></td>
                            <td>
                              <a class="mono" href="${href(context, runPath(item.runId))}">${item.runId}</a>
                            </td>
                            <td>${fence(context, item)}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>
                <form method="post" action="${href(context, "/health/repair")}" class="action-form">
                  <input type="hidden" name="${csrfField}" value="${context.csrfToken}" />
                  <input type="hidden" name="kind" value="${kind}" />
                  <input type="hidden" name="plan" value="${JSON.stringify(plan)}" />
                  <button type="submit" class="danger">
                    Repair these ${plan.length} item${plan.length === 1 ? "" : "s"}
                  </button>
                </form>`
        }
        <p>
          <a href="${href(context, "/health", new URLSearchParams({ staleAfterMs: String(staleAfterMs) }))}"
            >← Back to health</a
          >
        </p>
      </section>`,
  );
}

function fence(context: PageContext, item: RepairItem): Html {
  switch (item.kind) {
    case "release_lease":
      return html`lease of <span class="mono">${item.leaseOwner}</span> (token ${item.fencingToken}), expired
        ${timeCell(item.leaseExpiresAt, context.now)}`;
    case "mark_ready":
      return html`event ${item.lastSeq}, idle since ${timeCell(item.updatedAt, context.now)}`;
    case "fire_timer":
      return html`<span class="mono">${item.identity}</span> due ${timeCell(item.fireAt, context.now)}`;
  }
}

/**
 * POST `/health/repair`: executes exactly the previewed plan (the form's `plan`) through core's
 * fenced, audited `repair`, after the form checks and `authorize`; redirects to the health page
 * with how many items were applied and skipped.
 */
export async function handleRepair(context: PageContext, csrf: CsrfGuard): Promise<Response> {
  const form = await readActionForm(context, csrf);
  if (form instanceof Response) return form;
  const kind = repairKindOf(formField(form, "kind"));
  let plan: unknown;
  try {
    plan = JSON.parse(formField(form, "plan"));
  } catch {
    plan = undefined;
  }
  if (
    kind === undefined ||
    !Array.isArray(plan) ||
    plan.some((item) => (item as { kind?: unknown } | null)?.kind !== repairs[kind].item)
  )
    return htmlResponse(
      messagePage(context, "Bad request", "Post the plan of a repair preview, unchanged (preview it again)."),
      400,
    );
  if (context.operator === undefined)
    return htmlResponse(
      messagePage(context, "Not available", "Repairs need the Observer to be given the journal."),
      501,
    );
  if (!(await context.authorize!(context.request, { kind: "repair", repair: kind, items: plan.length })))
    return forbidden(context);
  try {
    const { applied, skipped } = await (await context.operator()).repair(plan as RepairItem[]);
    return seeOther(
      href(
        context,
        "/health",
        new URLSearchParams({ repaired: String(applied.length), skipped: String(skipped.length) }),
      ),
    );
  } catch (error) {
    return refused(context, error);
  }
}
