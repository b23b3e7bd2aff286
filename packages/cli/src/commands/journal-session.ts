import { resolve } from "node:path";
import { createInspector, openJournal, toDisplayJson, type Inspector, type Journal } from "@continuum/core";
import type { CliIo, ExitCode } from "../cli-io.ts";
import type { DatabaseUrlOptions } from "../database-url.ts";
import { outputStyle, type OutputStyle } from "../output/format-table.ts";
import { schemaOf, withDatabase } from "./command-support.ts";

/** Options of every command that reads or acts on the journal. */
export interface JournalCommandOptions extends DatabaseUrlOptions {
  readonly dataDir?: string;
  readonly json?: boolean;
}

/** What a journal command works with. */
export interface JournalSession {
  readonly journal: Journal;
  readonly inspector: Inspector;
  /** Output that redacts every secret of the database URL. */
  readonly out: CliIo;
  readonly style: OutputStyle;
  /** Prints `value` as indented JSON (decoded payloads through toDisplayJson). */
  json(value: unknown): void;
}

/**
 * Opens the journal the options name (URL from the environment, a file or the flag; else the
 * embedded data directory), runs `body` with its read model, and closes it. Errors print as
 * `CODE: message` with their fix line (see withDatabase), never with a secret.
 */
export function withJournal(
  io: CliIo,
  options: JournalCommandOptions,
  body: (session: JournalSession) => Promise<ExitCode>,
): Promise<ExitCode> {
  return withDatabase(io, options, async (url, out) => {
    const schema = schemaOf(options, io);
    const journal = await openJournal({
      ...(url === undefined ? {} : { url }),
      ...(schema === undefined ? {} : { schema }),
      ...(options.dataDir === undefined
        ? {}
        : {
            dataDir: options.dataDir.includes("://")
              ? options.dataDir
              : resolve(io.cwd ?? process.cwd(), options.dataDir),
          }),
    });
    try {
      return await body({
        journal,
        inspector: createInspector(journal),
        out,
        style: outputStyle(io),
        json: (value) => out.stdout(`${JSON.stringify(toDisplayJson(value), null, 2)}\n`),
      });
    } finally {
      await journal.close();
    }
  });
}
