import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

// Errors of the validation layer (src/validation/). Their messages never echo a refused value
// whole: a 100 KB id or a connection string with a password has no place in a log line. They
// show a short, escaped preview instead (see `describeValue`), which is safe to store too.

/**
 * An id or a name (workflow id, run id, delivery id, namespace, signal name, attribute key,
 * idempotency key, engine owner) is empty, too long, or holds characters PostgreSQL cannot store
 * (NUL, a lone UTF-16 surrogate) or that a name may not have (control characters).
 */
export class InvalidIdentifierError extends ContinuumError<{
  what: string;
  problem: string;
  value: string;
}> {
  constructor(what: string, problem: string, value: string, hint: string) {
    super(ErrorCode.InvalidIdentifier, `${what} ${problem} (got ${value})`, {
      data: { what, problem, value },
      hint,
    });
  }
}

/** A number argument (a timeout, a page size, a duration) is not finite, not an integer, or out of range. */
export class InvalidNumberError extends ContinuumError<{ what: string; value: string; expected: string }> {
  constructor(what: string, value: string, expected: string) {
    super(ErrorCode.InvalidNumber, `${what} is ${value}; expected ${expected}`, {
      data: { what, value, expected },
      hint: `pass ${what} as ${expected}, or leave it out for the default`,
    });
  }
}

/** A page cursor given to `list()` is not one a previous page returned. */
export class InvalidCursorError extends ContinuumError<{ value: string }> {
  constructor(value: string) {
    super(ErrorCode.InvalidCursor, `list cursor ${value} is not a cursor a previous page returned`, {
      data: { value },
      hint: "pass the `next` of the previous page unchanged as `after`, or leave `after` out for the first page",
    });
  }
}

/** Search attributes (at start, or as a list filter) are not a small object of plain JSON. */
export class InvalidAttributesError extends ContinuumError<{ path: string; problem: string }> {
  /** `hint`: a fix line naming the attribute and its declared type, when one is known. */
  constructor(path: string, problem: string, hint?: string) {
    super(ErrorCode.InvalidAttributes, `search attributes: ${path} ${problem}`, {
      data: { path, problem },
      hint:
        hint ??
        "pass attributes as a small object of plain JSON (strings, finite numbers, booleans, null, arrays, objects) keyed by short names",
    });
  }
}

/** A `list({ where, orderBy })` attribute query that cannot run: a bad name, value or shape. */
export class InvalidAttributeQueryError extends ContinuumError<{ path: string; problem: string }> {
  /** `hint`: a fix line naming the attribute and its declared type, when one is known. */
  constructor(path: string, problem: string, hint?: string) {
    super(ErrorCode.InvalidAttributeQuery, `attribute query: ${path} ${problem}`, {
      data: { path, problem },
      hint:
        hint ??
        'build the query with attr(name).eq/gte/startsWith/in/contains(...) and allOf/anyOf, e.g. attr("total").gte(100), with a declared attribute name and a value of its type',
    });
  }
}

/**
 * A database connection string cannot be a PostgreSQL URL. The string itself is never shown
 * (it may hold a password): only what is wrong with it.
 */
export class InvalidConnectionStringError extends ContinuumError<{ source: string; problem: string }> {
  constructor(source: string, problem: string) {
    super(ErrorCode.InvalidConnectionString, `${source} ${problem}`, {
      data: { source, problem },
      hint: "pass a URL such as postgres://user@host:5432/dbname (percent-encode special characters in the password), or nothing for embedded PGlite",
    });
  }
}

/**
 * The `schema` of a Continuum instance (openJournal, migrations, the CLI's `--schema`) is not a
 * plain, unreserved PostgreSQL identifier. `source` says where it came from (an option, a flag,
 * an environment variable).
 */
export class InvalidSchemaNameError extends ContinuumError<{
  source: string;
  problem: string;
  value: string;
}> {
  constructor(source: string, problem: string, value: string) {
    super(ErrorCode.InvalidSchemaName, `${source} ${problem} (got ${value})`, {
      data: { source, problem, value },
      hint: 'use a plain lower-case identifier of 1 to 48 characters (a-z, 0-9, _; starting with a letter or _), not a reserved word and not starting with pg_, e.g. "billing_continuum"; leave it out for the default "continuum"',
    });
  }
}
