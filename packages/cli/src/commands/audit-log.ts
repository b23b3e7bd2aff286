import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable, truncate } from "../output/format-table.ts";
import { formatInstant } from "../output/format-time.ts";
import type { OperatorActionRecord } from "@continuum/core";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface AuditLogOptions extends JournalCommandOptions {
  readonly run?: string;
  readonly limit?: string;
  readonly before?: string;
}

/**
 * `continuum audit-log [--run id]`: the operator audit log, newest first: who did what, on
 * which run, from where, when and how it ended. Read-only.
 *
 * @example
 * ```sh
 * continuum audit-log --run 2f45...   # one run's actions
 * continuum audit-log --limit 20 --json
 * ```
 */
export function auditLogCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program
      .command("audit-log")
      .description("show the operator audit log (cancel, terminate, signal, retry, repair), newest first"),
  )
    .option("--run <id>", "only this run's entries")
    .option("--limit <n>", "entries per page (default 50, at most 1000)")
    .option("--before <cursor>", "the next page: entries older than this cursor (printed after a full page)")
    .option("--json", "print the entries as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: AuditLogOptions) => {
      result.code = await auditLog(options, io);
    });
}

async function auditLog(options: AuditLogOptions, io: CliIo): Promise<ExitCode> {
  const number = (text: string | undefined, flag: string, max: number) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new UsageError(`${flag} ${JSON.stringify(text)}: expected 1 to ${max}`);
    return n;
  };
  let limit: number | undefined;
  let before: number | undefined;
  try {
    limit = number(options.limit, "--limit", 1000);
    before = number(options.before, "--before", Number.MAX_SAFE_INTEGER);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const page = await inspector.auditLog({
      ...(options.run === undefined ? {} : { runId: options.run }),
      ...(limit === undefined ? {} : { limit }),
      ...(before === undefined ? {} : { before }),
    });
    if (options.json === true) {
      json(page);
      return ExitCode.ok;
    }
    out.stdout(
      formatTable(
        style,
        ["AT", "ACTOR", "ACTION", "RUN", "OUTCOME", "FROM", "DETAIL"],
        page.entries.map((entry) => auditRow(entry, style.colors)),
      ),
    );
    if (page.entries.length === 0) out.stderr("no operator actions recorded\n");
    if (page.next !== undefined) out.stderr(`more: --before ${page.next}\n`);
    return ExitCode.ok;
  });
}

/** One audit entry as a table row (also used by `runs show`). */
export function auditRow(
  entry: OperatorActionRecord,
  colors: { red: (t: string) => string; green: (t: string) => string },
): string[] {
  const from = [entry.origin?.via, entry.origin?.host, entry.origin?.ip]
    .filter((s) => s !== undefined)
    .join(" ");
  const detail = [
    ...Object.entries(entry.parameters ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ...Object.entries(entry.result ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    ...(entry.error === undefined ? [] : [`${entry.error.code}: ${entry.error.message}`]),
  ].join(" ");
  return [
    formatInstant(entry.at),
    entry.actor,
    entry.action,
    entry.runId ?? "-",
    entry.outcome === "succeeded" ? colors.green(entry.outcome) : colors.red(entry.outcome),
    from === "" ? "-" : from,
    truncate(detail, 160),
  ];
}
