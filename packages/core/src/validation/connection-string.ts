import { InvalidConnectionStringError } from "../errors/validation-errors.ts";
import { textProblem } from "./text.ts";

/**
 * Checks a PostgreSQL connection string before the driver sees it. `pg` resolves anything
 * that is not a URL against a dummy base, so `"host=db user=app"` or a typo became a lookup of
 * the host `base` (`getaddrinfo ENOTFOUND base`). Accepted: `postgres://` and `postgresql://`
 * URLs (parsed the way `pg` parses them), `socket:` URLs and socket paths starting with `/`. Throws
 * `InvalidConnectionStringError`, which never contains the string (it may hold a password).
 *
 * @example
 * ```ts
 * checkConnectionString(process.env.DATABASE_URL);
 * ```
 */
export function checkConnectionString(value: unknown, source = "the database connection string"): string {
  const refuse = (problem: string): InvalidConnectionStringError =>
    new InvalidConnectionStringError(source, problem);
  if (typeof value !== "string") throw refuse(`is ${typeof value}, not a string`);
  if (value.trim().length === 0) throw refuse("is empty");
  const text = textProblem(value);
  if (text !== undefined) throw refuse(text);
  if (value.startsWith("/")) return value;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw refuse(
      /^\s*\w+\s*=/.test(value)
        ? "is in key=value form, which is not supported"
        : "is not a URL (it has no scheme such as postgres://)",
    );
  }
  if (scheme === "socket") return value;
  if (scheme !== "postgres" && scheme !== "postgresql")
    throw refuse(`has the scheme ${scheme}:, expected postgres: or postgresql:`);
  // pg-connection-string encodes spaces and stray % first, and retries `user@/db` with a dummy host.
  const encoded = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(value)
    ? encodeURI(value).replace(/%25(\d\d)/g, "%$1")
    : value;
  if (!URL.canParse(encoded) && !URL.canParse(encoded.replace("@/", "@dummy/")))
    throw refuse("is not a valid URL (percent-encode special characters)");
  return value;
}
