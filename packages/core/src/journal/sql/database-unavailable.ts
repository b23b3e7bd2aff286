import { DatabaseUnavailableError } from "../../errors/index.ts";

// Node socket errors and the SQLSTATEs that mean "the connection, not the statement, failed":
// class 08 (connection exception) and 57P01-57P03 (server shutting down or starting up).
const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EAI_AGAIN",
]);
const shutdownStates = new Set(["57P01", "57P02", "57P03"]);

/** True when `error` says the database could not be reached, as opposed to a failed statement. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    (socketCodes.has(code) || shutdownStates.has(code) || code.startsWith("08"))
  )
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    error.message,
  );
}

/**
 * True when `error` is the server refusing a statement (a SQLSTATE, not a lost connection): an
 * autocommit statement that failed so wrote nothing. A lost connection or an error raised after
 * the reply cannot say whether the statement committed.
 */
export function isStatementError(error: unknown): boolean {
  if (isConnectionFailure(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Runs one journal call and turns a lost or refused connection into DatabaseUnavailableError
 * (stable code CTM_DATABASE_UNAVAILABLE, `target` without password), so engines can tell a
 * database outage (retry later) from a bug. Other errors pass through unchanged.
 */
export async function guardConnection<T>(target: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConnectionFailure(error))
      throw new DatabaseUnavailableError(target, (error as Error).message, error);
    throw error;
  }
}
