import type { Command } from "commander";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable, truncate } from "../output/format-table.ts";
import { formatInstant } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface WorkflowsOptions extends JournalCommandOptions {
  readonly namespace?: string;
}

/**
 * `continuum workflows`: every workflow name and version hash that has runs, with runs per status.
 *
 * @example
 * ```sh
 * continuum workflows --namespace shop
 * ```
 */
export function workflowsCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program
      .command("workflows")
      .description("list workflow names and versions that have runs, with runs per status"),
  )
    .option("--namespace <ns>", "only runs of this namespace (default: every namespace)")
    .option("--json", "print the list as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: WorkflowsOptions) => {
      result.code = await workflows(options, io);
    });
}

async function workflows(options: WorkflowsOptions, io: CliIo): Promise<ExitCode> {
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const list = await inspector.workflows(
      options.namespace === undefined ? {} : { namespace: options.namespace },
    );
    if (options.json === true) {
      json(list);
      return ExitCode.ok;
    }
    const c = style.colors;
    const count = (n: number, colour: (text: string) => string) => (n === 0 ? c.dim("0") : colour(String(n)));
    out.stdout(
      formatTable(
        style,
        [
          "WORKFLOW",
          "VERSION",
          "RUNNING",
          "STUCK",
          "COMPLETED",
          "FAILED",
          "CANCELLED",
          "CONTINUED",
          "TOTAL",
          "LAST STARTED",
        ],
        list.map((w) => [
          w.workflowName,
          truncate(w.versionHash, 16),
          count(w.counts.running, c.blue),
          count(w.counts.stuck_unknown_version, c.red),
          count(w.counts.completed, c.green),
          count(w.counts.failed, c.red),
          count(w.counts.cancelled, c.yellow),
          count(w.counts.continued, (t) => t),
          String(w.counts.total),
          formatInstant(w.lastStartedAt),
        ]),
      ),
    );
    if (list.length === 0) out.stderr("no runs yet\n");
    return ExitCode.ok;
  });
}
