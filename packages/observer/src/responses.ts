import type { Html } from "./html.ts";

/**
 * The Content-Security-Policy of every response: only this origin's stylesheet and script, no
 * inline code or styles, no frames, forms only to this origin. Nothing is loaded from elsewhere.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** Headers every Observer response carries. */
export function securityHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({
    "content-security-policy": contentSecurityPolicy,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    ...extra,
  });
}

/** An HTML page response (never cached: it shows live state). */
export function htmlResponse(body: Html, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(body.toString(), {
    status,
    headers: securityHeaders({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      ...extra,
    }),
  });
}
