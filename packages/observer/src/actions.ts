import type { Client, Operator } from "@continuum/core";
import { forbidden, formField, readActionForm, refused, seeOther } from "./action-form.ts";
import type { CsrfGuard } from "./csrf.ts";
import { messagePage } from "./layout.ts";
import type { ObserverAction } from "./observer-options.ts";
import { href, runPath, type PageContext } from "./page-context.ts";
import { htmlResponse } from "./responses.ts";

/** The run actions: what `/runs/:id/<name>` accepts. */
export const runActionNames = ["cancel", "signal", "retry"] as const;
/** One of {@link runActionNames}. */
export type RunActionName = (typeof runActionNames)[number];

/** What an action does, through the audited operator or (without a journal) the client. */
interface Performer {
  readonly operator?: (operator: Operator) => Promise<{ notice: string; runId?: string }>;
  readonly client?: (client: Client) => Promise<{ notice: string }>;
}

/**
 * Handles a POST to `/runs/:id/<action>`: the form checks of readActionForm, then the form is
 * validated (400), then `authorize` decides (403), then the action goes through core's
 * operator API (audited: who, what, from where, how it ended) or, when the host gave only a
 * client, through the client. The answer redirects to the run page (a retry: the new run's)
 * with a fixed notice; a refusal (e.g. retrying a run that did not fail) is a 409 page.
 */
export async function handleAction(
  context: PageContext,
  csrf: CsrfGuard,
  id: string,
  name: RunActionName,
): Promise<Response> {
  const form = await readActionForm(context, csrf);
  if (form instanceof Response) return form;
  const detail = await context.inspector.run(id);
  if (detail === undefined)
    return htmlResponse(messagePage(context, "Not found", "No run has this id."), 404);
  const runId = detail.run.runId;
  const field = (key: string) => formField(form, key);
  let action: ObserverAction;
  let performer: Performer;
  switch (name) {
    case "cancel": {
      const force = field("force") === "1";
      const reason = field("reason").slice(0, 500);
      const options = reason === "" ? {} : { reason };
      action = { kind: "cancel", runId, force };
      performer = {
        operator: async (operator) => {
          await (force ? operator.terminate(runId, options) : operator.cancel(runId, options));
          return { notice: force ? "terminate" : "cancel" };
        },
        client: async (client) => {
          await client.cancel(runId, { ...options, ...(force ? { force: true } : {}) });
          return { notice: force ? "terminate" : "cancel" };
        },
      };
      break;
    }
    case "signal": {
      const signal = field("name");
      if (signal === "" || signal.length > 200)
        return htmlResponse(
          messagePage(context, "Bad request", "A signal needs a name (at most 200 characters)."),
          400,
        );
      const text = field("payload");
      let payload: unknown = undefined;
      if (text !== "") {
        try {
          payload = JSON.parse(text) as unknown;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return htmlResponse(
            messagePage(
              context,
              "Bad request",
              `The payload is not valid JSON (${reason}). Quote text as JSON, e.g. "approved".`,
            ),
            400,
          );
        }
      }
      const deliveryId = field("deliveryId");
      const options = deliveryId === "" ? {} : { deliveryId };
      const notice = (accepted: boolean) => (accepted ? "signal" : "signal-duplicate");
      action = { kind: "signal", runId, name: signal };
      performer = {
        operator: async (operator) => ({
          notice: notice((await operator.signal(runId, signal, payload, options)).accepted),
        }),
        client: async (client) => ({
          notice: notice(
            (await client.signal(runId, signal, payload, { dynamic: true, ...options })).accepted,
          ),
        }),
      };
      break;
    }
    case "retry":
      action = { kind: "retry", runId };
      performer = {
        operator: async (operator) => ({ notice: "retry", runId: (await operator.retry(runId)).run.runId }),
      };
      break;
  }
  if (!(await context.authorize!(context.request, action))) return forbidden(context);
  try {
    let done: { notice: string; runId?: string };
    if (context.operator !== undefined && performer.operator !== undefined)
      done = await performer.operator(await context.operator());
    else if (context.clientFor !== undefined && performer.client !== undefined)
      done = await performer.client(context.clientFor(detail.run.namespace));
    else
      return htmlResponse(
        messagePage(context, "Not available", "Retry and repair need the Observer to be given the journal."),
        501,
      );
    return seeOther(
      href(context, runPath(done.runId ?? runId), new URLSearchParams({ notice: done.notice })),
    );
  } catch (error) {
    return refused(context, error);
  }
}
