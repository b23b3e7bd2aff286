// Pure string work, kept beside the errors that use it: every error that names a database
// target, or carries a driver's message, passes through here before anyone can print it.
// (DatabaseUnavailableError and SchemaNotMigratedError redact in their constructors.)

// What a redacted secret is replaced with.
const redacted = "***";

// A URL token: a scheme, `://`, then anything up to whitespace, a quote or angle bracket.
// A single quote is allowed in a URL's userinfo, so it does not end the token.
const urlToken = /[a-z][a-z0-9+.-]*:\/\/[^\s"<>`]*/gi;
// Query parameters of a URL token whose value is a secret (password, sslpassword, ...).
const secretQueryParam = /([?&;][a-z_]*password=)[^&#]*/gi;
// libpq key=value pairs (`password=secret`, `password = 'a b'`, `sslpassword=...`), and the same
// key in JSON or util.inspect output of a config object (`"password":"x"`, `password: 'x'`).
const secretKeyValue =
  /((?:^|[^a-z0-9_])["']?[a-z_]*password["']?\s*[=:]\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s'"]\S*|)/gi;
// The same key, and the start of its value, at the end of a text: what follows is still the
// password, even if it looks like a URL (`password=a://b`, `password=*a://b`, `password='x a://b`).
const secretKeyAtEnd =
  /(?:^|[^a-z0-9_])["']?[a-z_]*password["']?\s*[=:]\s*(?:'(?:[^'\\]|\\.)*|"(?:[^"\\]|\\.)*|[^\s'"]\S*)?$/i;

/**
 * The text with every connection-string password masked, in each form a PostgreSQL target is
 * written: a URL's `user:password@`, a URL's `?password=` / `&sslpassword=` query parameter, and
 * libpq key=value pairs (`host=h password=secret`, quoted `password='a b'`). Works on a bare
 * connection string and on a longer message that contains one. Users and hosts stay readable.
 *
 * Malformed URLs are masked generously: everything between `://` and the last `@` after the
 * first `:` counts as password, so a password with an unescaped `@`, `/` or `#` does not leak.
 *
 * @example
 * ```ts
 * redactConnectionString("postgres://app:hunter2@db:5432/orders"); // "postgres://app:***@db:5432/orders"
 * redactConnectionString("host=db password='a b' dbname=x");       // "host=db password=*** dbname=x"
 * ```
 */
export function redactConnectionString(text: string): string {
  let out = "";
  let last = 0;
  for (const [start, end] of urlTokens(text)) {
    // `password=a://b`: the "URL" is the value of a password key; the key=value rule masks it.
    if (secretKeyAtEnd.test(text.slice(last, start))) continue;
    out += redactKeyValues(text.slice(last, start)) + redactUrlToken(text.slice(start, end));
    last = end;
  }
  return out + redactKeyValues(text.slice(last));
}

/**
 * Where URL tokens are in `text`, as [start, end). A token with a `:` after `://` may have
 * ended at whitespace only because its password has a space in it: it runs on to the last `@`
 * on the same line (before the next URL only once the token has an `@`: until then a "URL"
 * further on may be part of the password), then to the next whitespace. That can hide a host
 * when a message goes on to name an e-mail address or another URL; it never shows a password.
 */
function urlTokens(text: string): [number, number][] {
  const found: [number, number][] = [];
  const starts = [...text.matchAll(urlToken)].map((match) => match.index);
  urlToken.lastIndex = 0;
  for (let match = urlToken.exec(text); match !== null; match = urlToken.exec(text)) {
    let end = match.index + match[0].length;
    const authority = match[0].slice(match[0].indexOf("://") + 3);
    if (authority.includes(":")) {
      // With no "@" yet, a "URL" further on may be part of the password (`app:x a://b@host`).
      const nextUrl = authority.includes("@")
        ? (starts.find((start) => start >= end) ?? text.length)
        : text.length;
      const newline = text.indexOf("\n", end);
      const limit = Math.min(nextUrl, newline === -1 ? text.length : newline);
      const at = text.lastIndexOf("@", limit - 1);
      if (at >= end) {
        const after = /\s/.exec(text.slice(at));
        end = Math.min(limit, after === null ? text.length : at + after.index);
        urlToken.lastIndex = end;
      }
    }
    // "at postgres://h/db: reason": the colon is the message's, not the URL's.
    if (text[end - 1] === ":") end -= 1;
    found.push([match.index, end]);
  }
  return found;
}

function redactUrlToken(token: string): string {
  const start = token.indexOf("://") + 3;
  const at = token.lastIndexOf("@");
  let masked = token;
  if (at > start) {
    const userinfo = token.slice(start, at);
    const colon = userinfo.indexOf(":");
    if (colon !== -1) masked = `${token.slice(0, start + colon + 1)}${redacted}${token.slice(at)}`;
  }
  return masked.replace(secretQueryParam, `$1${redacted}`);
}

function redactKeyValues(text: string): string {
  return text.replace(secretKeyValue, (_all, key: string, value: string) =>
    value === "" ? key : `${key}${redacted}`,
  );
}

/**
 * The literal secrets a connection carries: its password in every spelling a message could echo
 * (as written in the URL, percent-decoded, from a key=value string or a config object), and
 * `PGPASSWORD` from the environment, which the driver uses when the string has none. Values
 * shorter than 4 characters are left out: masking every "a" in a message helps nobody.
 */
export function connectionSecrets(
  connection: string | { readonly connectionString?: string; readonly password?: unknown } | undefined,
  env: Readonly<Record<string, string | undefined>> = environment(),
): string[] {
  const found = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value !== "string" || value.length < 4) return;
    found.add(value);
    try {
      found.add(decodeURIComponent(value));
    } catch {
      // not percent-encoded: the raw spelling is already in
    }
  };
  const text = typeof connection === "string" ? connection : connection?.connectionString;
  if (typeof connection === "object") add(connection.password);
  if (text !== undefined) {
    for (const [from, to] of urlTokens(text)) {
      const token = text.slice(from, to);
      const start = token.indexOf("://") + 3;
      const at = token.lastIndexOf("@");
      const userinfo = at > start ? token.slice(start, at) : "";
      if (userinfo.includes(":")) add(userinfo.slice(userinfo.indexOf(":") + 1));
      for (const param of token.matchAll(/[?&;][a-z_]*password=([^&#]*)/gi)) add(param[1]);
    }
    for (const pair of text.matchAll(secretKeyValue)) {
      const value = pair[2] ?? "";
      const quote = value[0];
      if (quote === "'" || quote === '"') {
        const inner = value.slice(1, value.length > 1 && value.endsWith(quote) ? -1 : undefined);
        add(inner);
        add(inner.replace(/\\(.)/g, "$1"));
      } else add(value);
    }
  }
  add(env["PGPASSWORD"]);
  // Longest first, so a secret that contains another is masked whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * `redactConnectionString`, then every literal secret in `secrets` (see `connectionSecrets`)
 * masked wherever it appears: a driver message can echo a password outside any recognisable form.
 */
export function redactSecrets(
  text: string,
  secrets: readonly string[] = connectionSecrets(undefined),
): string {
  let out = redactConnectionString(text);
  for (const secret of secrets) out = out.split(secret).join(redacted);
  return out;
}

/**
 * Rewrites the message, stack and string fields of `error` (and of its `cause` chain and an AggregateError's
 * `errors`) through `redactSecrets`, in place, so that wrapping a driver error as a `cause` does
 * not carry its text past the redaction. Returns the same value.
 */
export function scrubError<T>(error: T, secrets: readonly string[] = connectionSecrets(undefined)): T {
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!(value instanceof Error) || seen.has(value)) return;
    seen.add(value);
    // message and stack, and any own string field (Node's ERR_INVALID_URL keeps the whole
    // URL in `input`; pg keeps parts of the config on its errors).
    const record = value as unknown as Record<string, unknown>;
    for (const key of ["message", "stack", ...Object.keys(value)]) {
      const text = record[key];
      if (typeof text !== "string") continue;
      try {
        record[key] = redactSecrets(text, secrets);
      } catch {
        // a frozen error or a getter: nothing to rewrite
      }
    }
    visit(value.cause);
    if (value instanceof AggregateError) for (const inner of value.errors) visit(inner);
  };
  visit(error);
  return error;
}

function environment(): Readonly<Record<string, string | undefined>> {
  // Read through globalThis: this module is also loaded where `process` does not exist.
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}
