import { checkGroupCommitOptions } from "./sql/group-commit.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { checkConnectionString } from "../validation/connection-string.ts";
import { checkFreeText } from "../validation/identifier.ts";
import { checkOptionalNumber } from "../validation/numbers.ts";
import type { OpenJournalOptions } from "./open-journal.ts";

/**
 * Checks `openJournal` options before anything connects: the connection string (given, or
 * `DATABASE_URL` when no pool is given) must be a PostgreSQL URL, so a typo fails with
 * `InvalidConnectionStringError` instead of the driver's `getaddrinfo ENOTFOUND base`; the data
 * directory must be a path; the partition count a small whole number.
 *
 * @example
 * ```ts
 * checkOpenJournalOptions({ url: "postgres://app@db/orders" });
 * ```
 */
export function checkOpenJournalOptions(options: OpenJournalOptions): void {
  if (options.url !== undefined) checkConnectionString(options.url, "openJournal({ url })");
  else if (options.pool === undefined && options.kysely === undefined) {
    const fromEnv = process.env.DATABASE_URL;
    if (fromEnv !== undefined && fromEnv !== "") checkConnectionString(fromEnv, "DATABASE_URL");
  }
  if (options.listenUrl !== undefined) checkConnectionString(options.listenUrl, "openJournal({ listenUrl })");
  if (options.dataDir !== undefined) checkFreeText(options.dataDir, "dataDir");
  if (options.fsync !== undefined && typeof options.fsync !== "boolean")
    throw new InvalidEngineOptionError("openJournal({ fsync })", options.fsync, "true or false");
  checkOptionalNumber(options.partitionMonthsAhead, "partitionMonthsAhead", {
    min: 0,
    max: 120,
    integer: true,
  });
  const groupCommit: unknown = options.groupCommit;
  if (groupCommit !== undefined && groupCommit !== false) {
    if (typeof groupCommit !== "object" || groupCommit === null)
      throw new InvalidEngineOptionError(
        "openJournal({ groupCommit })",
        groupCommit,
        "false, or { maxInFlight, maxBatch } (both optional)",
      );
    checkGroupCommitOptions(groupCommit);
  }
}
