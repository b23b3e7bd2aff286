import { csrfField } from "./action-forms.ts";
import type { CsrfGuard } from "./csrf.ts";
import { messagePage } from "./layout.ts";
import type { PageContext } from "./page-context.ts";
import { htmlResponse } from "./responses.ts";

/** Largest action form body accepted (a signal payload or a repair plan included). */
const maxFormBytes = 64 * 1024;

/**
 * The checks every action POST passes before anything else, in order: read-only mode refuses
 * (403), the body must be a form (415) of at most 64 KiB (413, refused before it is read), and
 * its CSRF token must match the session cookie (403). Returns the form, or the refusal.
 */
export async function readActionForm(context: PageContext, csrf: CsrfGuard): Promise<FormData | Response> {
  if (context.authorize === undefined || (context.clientFor === undefined && context.operator === undefined))
    return htmlResponse(
      messagePage(context, "Read-only", "This Observer is read-only: the host configured no authorize hook."),
      403,
    );
  const type = context.request.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data"))
    return htmlResponse(messagePage(context, "Bad request", "Actions are form posts."), 415);
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
  return form;
}

/** A text field of a form, trimmed ("" when absent). */
export function formField(form: FormData, key: string): string {
  const value = form.get(key);
  return typeof value === "string" ? value.trim() : "";
}

/** The 403 page of an action `authorize` refused. */
export function forbidden(context: PageContext): Response {
  return htmlResponse(messagePage(context, "Forbidden", "You are not allowed to do this here."), 403);
}

/** The 409 page of an action the engine refused (Continuum errors say why and how to fix it). */
export function refused(context: PageContext, error: unknown): Response {
  const message =
    error instanceof Error
      ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
      : String(error);
  return htmlResponse(messagePage(context, "Action refused", message), 409);
}

/** A 303 redirect after an action (post/redirect/get). */
export function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { location } });
}
