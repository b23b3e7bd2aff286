import type { InspectedEvent } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable, truncate } from "../output/format-table.ts";
import { formatDuration, formatInstant } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";
import { displayText, findRun } from "./runs-show.ts";

interface RunsHistoryOptions extends JournalCommandOptions {
  readonly namespace?: string;
  readonly afterSeq: string;
  readonly limit: string;
  readonly all?: boolean;
}

/**
 * `continuum runs history <id>`: a run's history, one page at a time (`--after-seq` to go on),
 * or all of it with `--all`, read page by page so a run of 100k events streams out.
 *
 * @example
 * ```sh
 * continuum runs history order-17
 * continuum runs history order-17 --all --json > history.ndjson
 * ```
 */
export function runsHistoryCommand(runs: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    runs
      .command("history")
      .argument("<id>", "a run id, or a workflow id (its latest run)")
      .description("print a run's history events, decoded, one page at a time"),
  )
    .option("--namespace <ns>", "look the workflow id up in this namespace (default: any)")
    .option("--after-seq <n>", "start after this event number (the `next` a page printed)", "0")
    .option("--limit <n>", "events per page (1-5000)", "200")
    .option("--all", "every page to the end (with --json: one JSON object per line)")
    .option("--json", "print JSON: one page as { events, nextAfterSeq }, or with --all one event per line")
    .addHelpText("after", databaseUrlHelp)
    .action(async (id: string, options: RunsHistoryOptions) => {
      result.code = await runsHistory(id, options, io);
    });
}

async function runsHistory(id: string, options: RunsHistoryOptions, io: CliIo): Promise<ExitCode> {
  let afterSeq: number;
  let limit: number;
  try {
    afterSeq = wholeNumber(options.afterSeq, "--after-seq", 0, 2 ** 31 - 1);
    limit = wholeNumber(options.limit, "--limit", 1, 5000);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const { run } = await findRun(inspector, id, options.namespace);
    let cursor: number | undefined = afterSeq;
    let previousAt: number | undefined;
    let first = true;
    while (cursor !== undefined) {
      const page = await inspector.history(run.runId, { afterSeq: cursor, limit });
      if (options.json === true && options.all !== true) {
        json(page);
        return ExitCode.ok;
      }
      if (options.json === true) {
        for (const event of page.events) out.stdout(`${displayText(event)}\n`);
      } else {
        const rows = page.events.map((event) => {
          const row = eventRow(event, previousAt);
          previousAt = event.at;
          return row;
        });
        const text = formatTable(style, ["SEQ", "AT", "+", "KIND", "IDENTITY", "DATA"], rows);
        // One header for the whole output when paging through everything.
        out.stdout(first ? text : text.slice(text.indexOf("\n") + 1));
      }
      first = false;
      cursor = page.nextAfterSeq;
      if (options.all !== true) {
        if (cursor !== undefined) out.stderr(`more: --after-seq ${cursor} (or --all)\n`);
        break;
      }
    }
    return ExitCode.ok;
  });
}

function eventRow(event: InspectedEvent, previousAt: number | undefined): string[] {
  return [
    String(event.seq),
    formatInstant(event.at),
    previousAt === undefined ? "" : `+${formatDuration(event.at - previousAt)}`,
    event.kind,
    event.identity === undefined ? "" : truncate(event.identity, 40),
    truncate(displayText(event.data), 120),
  ];
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return value;
}
