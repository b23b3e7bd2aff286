import { auditChecks, type AuditCheck } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type AuditExitCode, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable } from "../output/format-table.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface AuditOptions extends JournalCommandOptions {
  readonly skip?: string[];
  readonly samples: string;
}

/** The exit code of each check's findings: 10 for the most serious, up to 16. */
export const auditExitCodes: Readonly<Record<AuditCheck, AuditExitCode>> = Object.fromEntries(
  auditChecks.map((check, i) => [check, 10 + i]),
) as Record<AuditCheck, AuditExitCode>;

const description = `check the journal's invariants (read-only)

Reads every run and event and checks, most serious first (exit code in brackets):
  history_gaps (10)             a run's events are not exactly 1..lastSeq
  history_duplicates (11)       an event number stored twice
  orphan_events (12)            events of a run that does not exist
  missing_parents (13)          a child whose parent run does not exist
  broken_chains (14)            a continued run whose successor does not exist
  finished_runs_with_work (15)  a finished run with a lease, inbox items, timers or queued tasks
  leases_past_expiry (16)       an open run's lease or an activity attempt past expiry (normal
                                for a moment after an engine died: --skip leases_past_expiry)
Exit code 0 when every check passes, else the code of the most serious failing check.`;

/**
 * `continuum audit`: the journal's invariants, checked read-only; the exit code names the most
 * serious class of finding.
 *
 * @example
 * ```sh
 * continuum audit --skip leases_past_expiry --json
 * ```
 */
export function auditCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program.command("audit").summary("check the journal's invariants (read-only)").description(description),
  )
    .option(
      "--skip <check>",
      "leave this check out (repeat or comma-separate)",
      (value: string, previous: string[] = []) => [...previous, ...value.split(",").filter(Boolean)],
    )
    .option("--samples <n>", "runs listed per check (0-1000)", "20")
    .option("--json", "print the findings as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: AuditOptions) => {
      result.code = await audit(options, io);
    });
}

async function audit(options: AuditOptions, io: CliIo): Promise<ExitCode> {
  const samples = Number(options.samples);
  try {
    for (const check of options.skip ?? [])
      if (!(auditChecks as readonly string[]).includes(check))
        throw new UsageError(`--skip ${JSON.stringify(check)}: expected one of ${auditChecks.join(", ")}`);
    if (!Number.isInteger(samples) || samples < 0 || samples > 1000)
      throw new UsageError(
        `--samples ${JSON.stringify(options.samples)}: expected a whole number from 0 to 1000`,
      );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  let code: ExitCode = ExitCode.ok;
  const exit = await withJournal(io, options, async ({ inspector, out, style, json }) => {
    const report = await inspector.audit({ sampleLimit: samples });
    const checked = auditChecks.filter((check) => !(options.skip ?? []).includes(check));
    const failing = checked.filter((check) => report.findings[check].count > 0);
    code = failing.length === 0 ? ExitCode.ok : auditExitCodes[failing[0]!];
    if (options.json === true) {
      json({ ...report, checked, failing });
      return ExitCode.ok;
    }
    const c = style.colors;
    out.stdout(
      formatTable(
        style,
        ["CHECK", "RESULT"],
        checked.map((check) => {
          const n = report.findings[check].count;
          return [check, n === 0 ? c.green("ok") : c.red(`${n} finding(s)`)];
        }),
      ),
    );
    for (const check of failing) {
      const finding = report.findings[check];
      out.stdout(`\n${c.bold(check)} (${finding.count})\n`);
      if (finding.sample.length > 0)
        out.stdout(
          formatTable(
            style,
            ["RUN ID", "DETAIL"],
            finding.sample.map((f) => [f.runId, f.detail]),
          ),
        );
    }
    out.stdout(
      failing.length === 0
        ? `\n${c.green(`${report.runs} run(s) checked: every invariant holds`)}\n`
        : `\n${c.red(`${report.runs} run(s) checked: ${failing.join(", ")} failed`)}\n`,
    );
    return ExitCode.ok;
  });
  return exit === ExitCode.ok ? code : exit;
}
