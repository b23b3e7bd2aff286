import { checkSchemaName, DEFAULT_SCHEMA, migrateDatabase, migrationSql } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp, type DatabaseUrlOptions } from "../database-url.ts";
import { databaseOptions, schemaOf, withDatabase, type CommandResult } from "./command-support.ts";

interface MigrateOptions extends DatabaseUrlOptions {
  readonly dataDir?: string;
  readonly print?: boolean;
}

/**
 * `continuum migrate`: applies the schema migrations, or prints them with `--print` for
 * review or for your own migration tooling.
 *
 * @example
 * ```sh
 * DATABASE_URL=postgres://app@db:5432/orders continuum migrate
 * continuum migrate --print > continuum.sql
 * ```
 */
export function migrateCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program
      .command("migrate")
      .description("apply (or --print) the journal's schema migrations; safe from several processes at once"),
  )
    .option("--print", "print the migration SQL instead of applying it (touches no database)")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: MigrateOptions) => {
      result.code = await migrate(options, io);
    });
}

async function migrate(options: MigrateOptions, io: CliIo): Promise<ExitCode> {
  const schema = schemaOf(options, io);
  if (options.print === true) {
    return withDatabase(io, {}, async (_url, out) => {
      out.stdout(migrationSql(undefined, checkSchemaName(schema, "--schema")));
      return ExitCode.ok;
    });
  }
  return withDatabase(io, options, async (url, out) => {
    const done = await migrateDatabase({
      ...(url === undefined ? {} : { url }),
      ...(schema === undefined ? {} : { schema }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    });
    const where = done.schema === DEFAULT_SCHEMA ? done.target : `${done.target} (schema ${done.schema})`;
    out.stdout(
      done.applied.length === 0
        ? `${where}: schema is current (version ${done.version})\n`
        : `${where}: applied ${done.applied.join(", ")} (now at version ${done.version})\n`,
    );
    return ExitCode.ok;
  });
}
