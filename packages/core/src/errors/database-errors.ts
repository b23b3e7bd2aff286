import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";
import { redactConnectionString, redactSecrets, scrubError } from "./redact-connection-string.ts";

/**
 * The journal's database could not be reached or refused the connection. `url`, `reason` and the
 * driver error kept as `cause` never carry a password, whatever the caller passed: they are
 * redacted here (every connection-string form, and `PGPASSWORD`'s value), so the error can be
 * logged as it is.
 */
export class DatabaseUnavailableError extends ContinuumError<{ url: string; reason: string }> {
  /** `hint` replaces the default fix line where the cause is known to be elsewhere (a disk). */
  constructor(target: string, driverReason: string, cause?: unknown, hint?: string) {
    const url = redactConnectionString(target);
    const reason = redactSecrets(driverReason);
    super(ErrorCode.DatabaseUnavailable, `cannot connect to the journal database at ${url}: ${reason}`, {
      data: { url, reason },
      hint:
        hint ??
        "check that PostgreSQL is running and DATABASE_URL (host, port, user, database) is right; unset it to use embedded PGlite",
      cause: scrubError(cause),
    });
  }
}

/**
 * A journal call made after `journal.close()` began. Calls already in flight when close began
 * finish first (close waits for them); only later ones get this error, so closing never cuts a
 * transaction short and nothing stored is changed.
 */
export class JournalClosedError extends ContinuumError<{ url: string; operation: string }> {
  constructor(target: string, operation: string) {
    const url = redactConnectionString(target);
    super(ErrorCode.JournalClosed, `the journal at ${url} is closed; ${operation} was not run`, {
      data: { url, operation },
      hint: "stop engines and clients first (await engine.stop()), then close the journal; open a new journal to keep working",
    });
  }
}

/** A migration could not be applied (or an applied one was edited afterwards). Nothing of it was kept. */
export class MigrationFailedError extends ContinuumError<{ version: number; name: string; reason: string }> {
  constructor(version: number, name: string, reason: string, cause?: unknown) {
    super(ErrorCode.MigrationFailed, `migration ${name} failed: ${reason}`, {
      data: { version, name, reason },
      hint: "fix the database state or the migration, then rerun `continuum migrate`; released migrations are never edited, add a new one",
      cause,
    });
  }
}

/** The database has no Continuum schema, or an older one than this code needs. */
export class SchemaNotMigratedError extends ContinuumError<{
  url: string;
  applied: number;
  required: number;
}> {
  constructor(target: string, applied: number, required: number) {
    const url = redactConnectionString(target);
    super(
      ErrorCode.SchemaNotMigrated,
      `the journal database at ${url} is at schema version ${applied}, this code needs ${required}`,
      {
        data: { url, applied, required },
        hint: "run `continuum migrate` (with DATABASE_URL set) (or openJournal({ migrate: true })) before starting engines",
      },
    );
  }
}

/** Who holds an embedded data directory, as recorded in its lock file. */
export interface DataDirHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When the holder opened the directory (ISO 8601). */
  readonly since: string;
}

/** Where the holder of a locked data directory runs, seen from the process that was refused. */
export type DataDirHolderPlace = "this_process" | "this_host" | "other_host";

/**
 * An embedded (PGlite) data directory is already open in another process, or in this one. One
 * PGlite instance per directory: a second one would write the same files without seeing the
 * first one's runs, signals or locks.
 */
export class DataDirLockedError extends ContinuumError<
  DataDirHolder & { dataDir: string; lockFile: string; place: DataDirHolderPlace }
> {
  constructor(dataDir: string, lockFile: string, holder: DataDirHolder, place: DataDirHolderPlace) {
    const who =
      place === "this_process"
        ? `this process (pid ${holder.pid})`
        : `pid ${holder.pid}${place === "other_host" ? ` on host ${holder.hostname}` : ""}`;
    super(
      ErrorCode.DataDirLocked,
      `the embedded database in ${dataDir} is already open in ${who}, since ${holder.since}`,
      {
        data: { dataDir, lockFile, ...holder, place },
        hint:
          place === "this_process"
            ? "share the journal already open, or close it before opening the directory again; for several processes use PostgreSQL (DATABASE_URL)"
            : `an embedded data directory serves one process at a time: use PostgreSQL (DATABASE_URL) for several processes, or stop ${who}` +
              ` (if that is no Continuum process, delete ${lockFile})`,
      },
    );
  }
}

/**
 * `openJournal` found the test kit's clock offset set in the database: its `continuum.now()` is
 * not the real time, so leases, timers and deadlines would be wrong. Only the test kit writes the
 * offset, and only in databases it created; an app reaching such a database is misconfigured.
 */
export class TestClockInUseError extends ContinuumError<{ url: string; offsetMs: number }> {
  constructor(url: string, offsetMs: number) {
    super(
      ErrorCode.TestClockInUse,
      `the journal database at ${url} runs on a test clock moved ${offsetMs} ms ahead of real time`,
      {
        data: { url, offsetMs },
        hint: "point the app at its own database, not a test environment's; if this database is really yours, `DELETE FROM continuum.test_clock_offset` restores the real clock",
      },
    );
  }
}
