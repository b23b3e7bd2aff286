import { isContinuumError } from "../../errors/index.ts";
import { migrationSql } from "../../journal/sql/migrator.ts";
import { migrateDatabase } from "../../journal/sql/migrate-database.ts";
import { ExitCode, parseArgs, type CliIo } from "../cli-io.ts";

/** Help text of `continuum migrate`. */
export const migrateUsage = `Usage: continuum migrate [--database-url URL] [--data-dir DIR]
       continuum migrate --print

Applies pending migrations (safe to run from several processes at once).
  --database-url URL  PostgreSQL to migrate (default: $DATABASE_URL, else embedded PGlite)
  --data-dir DIR      embedded PGlite data directory (default: ./.continuum/pgdata)
  --print             print the migration SQL instead of applying it
`;

const known = new Set(["database-url", "data-dir", "print", "help"]);

/**
 * `continuum migrate`: applies the schema migrations, or prints them with `--print` for
 * review or for your own migration tooling.
 *
 * @example
 * ```sh
 * continuum migrate --database-url postgres://app@db:5432/orders
 * continuum migrate --print > continuum.sql
 * ```
 */
export async function migrateCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let args;
  try {
    args = parseArgs(argv, new Set(["database-url", "data-dir"]));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${migrateUsage}`);
    return ExitCode.usage;
  }
  const unknown = [...args.flags.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0 || args.positional.length > 0) {
    io.stderr(
      `unexpected argument: ${[...unknown.map((n) => `--${n}`), ...args.positional].join(" ")}\n\n${migrateUsage}`,
    );
    return ExitCode.usage;
  }
  if (args.flags.has("help")) {
    io.stdout(migrateUsage);
    return ExitCode.ok;
  }
  if (args.flags.has("print")) {
    io.stdout(migrationSql());
    return ExitCode.ok;
  }
  const url = args.flags.get("database-url") ?? io.env.DATABASE_URL;
  const dataDir = args.flags.get("data-dir");
  try {
    const result = await migrateDatabase({
      ...(typeof url === "string" && url !== "" ? { url } : {}),
      ...(typeof dataDir === "string" ? { dataDir } : {}),
    });
    io.stdout(
      result.applied.length === 0
        ? `${result.target}: schema is current (version ${result.version})\n`
        : `${result.target}: applied ${result.applied.join(", ")} (now at version ${result.version})\n`,
    );
    return ExitCode.ok;
  } catch (error) {
    io.stderr(isContinuumError(error) ? `${error.code}: ${error.message}\n` : `${String(error)}\n`);
    return ExitCode.failed;
  }
}
