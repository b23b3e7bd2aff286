import { isContinuumError } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { redactingIo, resolveDatabaseUrl, type DatabaseUrlOptions } from "../database-url.ts";

/** Where an action leaves its exit code (commander's actions return nothing). */
export interface CommandResult {
  code: ExitCode;
}

/** Adds the options that choose the journal database to `command`. */
export function databaseOptions(command: Command): Command {
  return command
    .option("--database-url-file <path>", "read the PostgreSQL URL from this file (contents trimmed)")
    .option(
      "--database-url <url>",
      "PostgreSQL URL (shows in ps: prefer DATABASE_URL or --database-url-file)",
    )
    .option("--data-dir <dir>", "embedded PGlite data directory (default: ./.continuum/pgdata)")
    .option(
      "--schema <name>",
      "the Continuum instance's PostgreSQL schema (default: $CONTINUUM_SCHEMA, else continuum)",
    );
}

/**
 * The instance schema a command works on: `--schema` (or the config file's `schema`), else
 * `CONTINUUM_SCHEMA`, else undefined (core's default, `continuum`). Checked by core
 * (CTM_INVALID_SCHEMA_NAME) when the journal opens.
 */
export function schemaOf(options: { readonly schema?: string }, io: CliIo): string | undefined {
  const fromEnv = io.env.CONTINUUM_SCHEMA;
  return options.schema ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv);
}

/**
 * Resolves the database URL, then runs `body` with an output that redacts every secret of that
 * URL. A Continuum error prints as `CODE: message` (with its fix line), anything else as its
 * text, both redacted; either way the exit code is 1. A usage problem exits 2.
 */
export async function withDatabase(
  io: CliIo,
  options: DatabaseUrlOptions,
  body: (url: string | undefined, out: CliIo) => Promise<ExitCode>,
): Promise<ExitCode> {
  let url: string | undefined;
  try {
    url = await resolveDatabaseUrl(options, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  const out = redactingIo(io, url);
  try {
    return await body(url, out);
  } catch (error) {
    if (error instanceof UsageError) {
      out.stderr(`error: ${error.message}\n`);
      return ExitCode.usage;
    }
    out.stderr(isContinuumError(error) ? `${error.code}: ${error.message}\n` : `${String(error)}\n`);
    return ExitCode.failed;
  }
}
