import type { InspectedRunDetail } from "@continuum/core";
import { html, type Html } from "./html.ts";
import { href, runPath, type PageContext } from "./page-context.ts";

/** Name of the form field that carries the CSRF token. */
export const csrfField = "csrf";

/**
 * The action forms of a run, each carrying the CSRF token: cancel, terminate and send a signal
 * on an open run; retry from the failure on a failed one (when the Observer has the journal).
 * Nothing when the Observer is read-only (no `authorize`).
 */
export function actionForms(context: PageContext, detail: InspectedRunDetail): Html {
  if (context.authorize === undefined) return html``;
  const { run } = detail;
  const action = (name: string) => href(context, `${runPath(run.runId)}/${name}`);
  const token = html`<input type="hidden" name="${csrfField}" value="${context.csrfToken}" />`;
  if (run.status === "failed" && context.operator !== undefined)
    return html`<section class="card actions">
      <h2>Actions</h2>
      <form method="post" action="${action("retry")}" class="action-form">
        ${token}
        <p class="muted">
          Retry from the failure: a new run of this workflow id replays the history up to the failed step
          (completed activities are not run again) and runs the failed activity again. This run stays as it
          is.
        </p>
        <button type="submit">Retry from failure</button>
      </form>
    </section>`;
  if (run.status !== "running" && run.status !== "stuck_unknown_version") return html``;
  return html`<section class="card actions">
    <h2>Actions</h2>
    <div class="action-grid">
      <form method="post" action="${action("cancel")}" class="action-form">
        ${token}
        <label
          ><span>Reason</span
          ><input type="text" name="reason" maxlength="500" placeholder="why (recorded in the history)"
        /></label>
        <label class="check"
          ><input type="checkbox" name="force" value="1" /> Terminate (force: run none of its code, no
          compensations)</label
        >
        <button type="submit" class="danger">Cancel run</button>
      </form>
      <form method="post" action="${action("signal")}" class="action-form">
        ${token}
        <label
          ><span>Signal name</span
          ><input type="text" name="name" required maxlength="200" placeholder="fraud_review"
        /></label>
        <label
          ><span>Payload (JSON)</span><textarea name="payload" rows="3" placeholder='"approved"'></textarea>
        </label>
        <label
          ><span>Delivery id (optional)</span><input type="text" name="deliveryId" maxlength="200"
        /></label>
        <button type="submit">Send signal</button>
      </form>
    </div>
  </section>`;
}
