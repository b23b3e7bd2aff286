import type { Client } from "@continuum/core";
import { csrfField } from "./action-forms.ts";
import type { CsrfGuard } from "./csrf.ts";
import { messagePage } from "./layout.ts";
import type { ObserverAction } from "./observer-options.ts";
import { href, runPath, type PageContext } from "./page-context.ts";
import { htmlResponse } from "./responses.ts";

/** Largest action form body accepted (a signal payload included). */
const maxFormBytes = 64 * 1024;

/**
 * Handles a POST to `/runs/:id/<action>`: read-only mode refuses (403), then the CSRF token
 * must match the session cookie (403), then `authorize` decides (403), then the form is
 * validated (400) and the action goes through the public client; the answer redirects back to
 * the run page with a fixed notice.
 */
export async function handleAction(
  context: PageContext,
  csrf: CsrfGuard,
  id: string,
  name: string,
): Promise<Response> {
  if (context.authorize === undefined || context.clientFor === undefined)
    return htmlResponse(
      messagePage(context, "Read-only", "This Observer is read-only: the host configured no authorize hook."),
      403,
    );
  const type = context.request.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data"))
    return htmlResponse(messagePage(context, "Bad request", "Actions are form posts."), 415);
  // The forms are a few short fields; a larger body is refused before it is read.
  const length = Number(context.request.headers.get("content-length") ?? "0");
  if (!Number.isFinite(length) || length > maxFormBytes)
    return htmlResponse(messagePage(context, "Too large", "An action form is at most 64 KiB."), 413);
  const form = await context.request.formData();
  const token = form.get(csrfField);
  if (!csrf.verify(context.request, typeof token === "string" ? token : null))
    return htmlResponse(
      messagePage(
        context,
        "Forbidden",
        "The form's CSRF token does not match this session. Reload the page and try again.",
      ),
      403,
    );
  const detail = await context.inspector.run(id);
  if (detail === undefined)
    return htmlResponse(messagePage(context, "Not found", "No run has this id."), 404);
  const runId = detail.run.runId;
  const field = (key: string) => {
    const value = form.get(key);
    return typeof value === "string" ? value.trim() : "";
  };
  let action: ObserverAction;
  let perform: (client: Client) => Promise<string>;
  if (name === "cancel") {
    const force = field("force") === "1";
    const reason = field("reason").slice(0, 500);
    action = { kind: "cancel", runId, force };
    perform = async (client) => {
      await client.cancel(runId, { ...(reason === "" ? {} : { reason }), ...(force ? { force: true } : {}) });
      return force ? "terminate" : "cancel";
    };
  } else {
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
    action = { kind: "signal", runId, name: signal };
    perform = async (client) => {
      const { accepted } = await client.signal(runId, signal, payload, {
        dynamic: true,
        ...(deliveryId === "" ? {} : { deliveryId }),
      });
      return accepted ? "signal" : "signal-duplicate";
    };
  }
  if (!(await context.authorize(context.request, action)))
    return htmlResponse(messagePage(context, "Forbidden", "You are not allowed to do this here."), 403);
  try {
    const notice = await perform(context.clientFor(detail.run.namespace));
    return new Response(null, {
      status: 303,
      headers: { location: href(context, runPath(runId), new URLSearchParams({ notice })) },
    });
  } catch (error) {
    // Continuum errors say what went wrong and how to fix it; nothing here is secret.
    const message =
      error instanceof Error
        ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
        : String(error);
    return htmlResponse(messagePage(context, "Action refused", message), 409);
  }
}
