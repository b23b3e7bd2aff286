import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// CSRF protection for the action forms: a session cookie (random, HttpOnly, SameSite=Strict)
// and a token that is an HMAC of that session id under a per-process secret (or the host's).
// A form post must carry the token of the cookie it arrives with; another site can neither read
// the cookie nor compute the token, and SameSite=Strict keeps the cookie off cross-site posts.

/** Name of the Observer's session cookie. */
export const sessionCookieName = "continuum_observer_session";

/** Makes and checks CSRF tokens bound to the session cookie. */
export interface CsrfGuard {
  /** The session id of the request, and the Set-Cookie header when a new one was made. */
  session(request: Request): { readonly id: string; readonly setCookie?: string };
  /** The form token for a session id. */
  token(sessionId: string): string;
  /** Whether `token` belongs to the request's session cookie. */
  verify(request: Request, token: string | null): boolean;
}

/** Creates the guard; `secret` defaults to random bytes (tokens then last as long as the process). */
export function createCsrfGuard(options: { secret?: string; basePath: string; secure?: boolean }): CsrfGuard {
  const secret = options.secret ?? randomBytes(32).toString("hex");
  const sign = (id: string) => createHmac("sha256", secret).update(`csrf:${id}`).digest("base64url");
  const cookieId = (request: Request) => {
    const id = readCookie(request.headers.get("cookie"), sessionCookieName);
    return id !== undefined && /^[A-Za-z0-9_-]{20,64}$/.test(id) ? id : undefined;
  };
  return {
    session(request) {
      const existing = cookieId(request);
      if (existing !== undefined) return { id: existing };
      const id = randomBytes(24).toString("base64url");
      const path = options.basePath === "" ? "/" : options.basePath;
      const secure = (options.secure ?? new URL(request.url).protocol === "https:") ? "; Secure" : "";
      return {
        id,
        setCookie: `${sessionCookieName}=${id}; Path=${path}; HttpOnly; SameSite=Strict${secure}`,
      };
    },
    token: sign,
    verify(request, token) {
      const id = cookieId(request);
      if (id === undefined || token === null) return false;
      const expected = Buffer.from(sign(id));
      const given = Buffer.from(token);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
