import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { connectionSecrets, redactSecrets } from "@continuum/core";
import { UsageError, type CliIo } from "./cli-io.ts";

/** The connection options every database command takes. */
export interface DatabaseUrlOptions {
  readonly databaseUrl?: string;
  readonly databaseUrlFile?: string;
  /** The instance's schema (`--schema`, the config's `schema`); see `schemaOf`. */
  readonly schema?: string;
}

/** Help lines for the options above, shared by the commands. */
export const databaseUrlHelp = `
The database: $CONTINUUM_DATABASE_URL or $DATABASE_URL, or --database-url-file PATH (a file
holding the URL, e.g. a mounted secret); without any, the embedded PGlite data directory.
--database-url URL works but shows the password to every user of the machine (ps, shell
history): prefer the environment or a file.`;

/**
 * Where the command's database URL comes from, in this order: `--database-url` (with a warning
 * on stderr), `--database-url-file` (its contents, trimmed), `CONTINUUM_DATABASE_URL`,
 * `DATABASE_URL`. Undefined means the embedded database.
 */
export async function resolveDatabaseUrl(
  options: DatabaseUrlOptions,
  io: CliIo,
): Promise<string | undefined> {
  if (options.databaseUrl !== undefined && options.databaseUrlFile !== undefined)
    throw new UsageError("give --database-url or --database-url-file, not both");
  if (options.databaseUrl !== undefined) {
    io.stderr(
      "warning: --database-url is visible to every user of this machine (ps, shell history); " +
        "set DATABASE_URL or use --database-url-file PATH instead\n",
    );
    return nonEmpty(options.databaseUrl);
  }
  if (options.databaseUrlFile !== undefined) {
    const path = resolve(io.cwd ?? process.cwd(), options.databaseUrlFile);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read --database-url-file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    const url = text.trim();
    if (url === "") throw new UsageError(`--database-url-file ${path} is empty`);
    return url;
  }
  return nonEmpty(io.env.CONTINUUM_DATABASE_URL) ?? nonEmpty(io.env.DATABASE_URL);
}

const nonEmpty = (value: string | undefined): string | undefined => (value === "" ? undefined : value);

/**
 * `io` with every line it writes passed through core's `redactSecrets`: connection-string
 * passwords in any form, the password of `url` wherever it appears, and `PGPASSWORD`'s value.
 * Commands write through this, so nothing they print (a driver message included) shows a secret.
 */
export function redactingIo(io: CliIo, url: string | undefined): CliIo {
  const secrets = connectionSecrets(url, io.env);
  return {
    ...io,
    stdout: (text) => io.stdout(redactSecrets(text, secrets)),
    stderr: (text) => io.stderr(redactSecrets(text, secrets)),
  };
}
