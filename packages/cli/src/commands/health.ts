import { ageBuckets, type HealthReport } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable, type OutputStyle } from "../output/format-table.ts";
import { formatAge, formatDuration, parseDuration } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface HealthOptions extends JournalCommandOptions {
  readonly namespace?: string;
  readonly staleAfter: string;
  readonly samples: string;
}

const description = `report the journal's health; exit 1 when it has problems

Problems (exit code 1): ready runs no engine claims, overdue timers, expired run leases,
activity attempts past their deadline, runs stuck on unknown workflow versions, a schema older
than this build needs. Information (exit code 0): runs by status and age, idle runs (running,
with nothing that wakes them but a signal: normal when they wait for one), dead letters
(activity tasks that failed for good). Nothing is written.`;

/**
 * `continuum health`: the health report; exit code 1 when it lists problems (for monitoring).
 *
 * @example
 * ```sh
 * continuum health --stale-after 5m || page-the-on-call
 * continuum health --json | jq .problems
 * ```
 */
export function healthCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program
      .command("health")
      .summary("report the journal's health; exit 1 when it has problems")
      .description(description),
  )
    .option("--namespace <ns>", "only this namespace (default: every namespace)")
    .option(
      "--stale-after <duration>",
      "how long a condition must hold before it counts (90s, 5m, 1h)",
      "60s",
    )
    .option("--samples <n>", "rows shown per finding (0-1000)", "10")
    .option("--json", "print the report as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: HealthOptions) => {
      result.code = await health(options, io);
    });
}

async function health(options: HealthOptions, io: CliIo): Promise<ExitCode> {
  let staleAfterMs: number;
  const samples = Number(options.samples);
  try {
    staleAfterMs = parseDuration(options.staleAfter, "--stale-after");
    if (!Number.isInteger(samples) || samples < 0 || samples > 1000)
      throw new UsageError(
        `--samples ${JSON.stringify(options.samples)}: expected a whole number from 0 to 1000`,
      );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const report = await inspector.health({
      staleAfterMs,
      sampleLimit: samples,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    });
    if (options.json === true) json(report);
    else out.stdout(formatReport(report, style));
    return report.problems.length > 0 ? ExitCode.failed : ExitCode.ok;
  });
}

function formatReport(report: HealthReport, style: OutputStyle): string {
  const c = style.colors;
  const parts: string[] = [];
  const schema =
    report.schemaVersion === undefined
      ? "in-memory journal"
      : `schema version ${report.schemaVersion}${report.requiredSchemaVersion === undefined ? "" : ` (this build needs ${report.requiredSchemaVersion})`}`;
  parts.push(
    `${c.bold("journal")}  ${schema}; conditions count after ${formatDuration(report.staleAfterMs)}\n`,
  );
  const history = report.historyPartitions;
  if (history !== undefined)
    parts.push(
      `${c.bold("history")}  ${history.monthly} monthly partition(s); ` +
        (history.defaultRows === 0
          ? "default partition empty\n"
          : c.yellow(
              `${history.defaultRows} event(s) in the default partition (continuum partitions list)\n`,
            )),
    );
  const byStatus = Object.entries(report.runsByStatus)
    .filter(([status, n]) => status !== "total" && n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");
  parts.push(
    `${c.bold("runs")}     ${report.runsByStatus.total} total${byStatus === "" ? "" : `: ${byStatus}`}\n`,
  );
  parts.push(
    `\n${c.bold("open runs by age")}\n` +
      formatTable(
        style,
        ["STATUS", ...ageBuckets.map((b) => (b === "older" ? "OLDER" : `< ${b}`))],
        [
          ["running", ...ageBuckets.map((b) => String(report.openRunAges.running[b]))],
          [
            "stuck_unknown_version",
            ...ageBuckets.map((b) => String(report.openRunAges.stuck_unknown_version[b])),
          ],
        ],
      ),
  );
  const runRows = (sample: HealthReport["unclaimedReadyRuns"]["sample"]) =>
    sample.map((r) => [
      r.runId,
      r.workflowId,
      `${r.workflowName}@${r.versionHash}`,
      formatAge(r.since, report.now),
    ]);
  const section = (title: string, count: number, head: string[], rows: string[][]) => {
    if (count === 0) return;
    parts.push(`\n${c.bold(title)} (${count}${rows.length < count ? `, showing ${rows.length}` : ""})\n`);
    if (rows.length > 0) parts.push(formatTable(style, head, rows));
  };
  section(
    "unclaimed ready runs",
    report.unclaimedReadyRuns.count,
    ["RUN ID", "WORKFLOW ID", "WORKFLOW", "READY SINCE"],
    runRows(report.unclaimedReadyRuns.sample),
  );
  section(
    "overdue timers",
    report.overdueTimers.count,
    ["RUN ID", "TIMER", "DUE"],
    report.overdueTimers.sample.map((t) => [t.runId, t.identity, formatAge(t.fireAt, report.now)]),
  );
  section(
    "expired run leases",
    report.expiredRunLeases.count,
    ["RUN ID", "WORKFLOW ID", "WORKFLOW", "EXPIRED"],
    runRows(report.expiredRunLeases.sample),
  );
  section(
    "activity attempts past their deadline",
    report.expiredTaskLeases.count,
    ["TASK ID", "RUN ID", "ACTIVITY", "ATTEMPT", "DEADLINE"],
    report.expiredTaskLeases.sample.map((t) => [
      t.taskId,
      t.runId,
      t.activityName,
      String(t.attempt),
      formatAge(t.since, report.now),
    ]),
  );
  if (report.unknownVersions.length > 0)
    parts.push(
      `\n${c.bold("runs stuck on unknown versions")}\n` +
        formatTable(
          style,
          ["WORKFLOW", "VERSION", "RUNS"],
          report.unknownVersions.map((v) => [v.workflowName, v.versionHash, String(v.counts.total)]),
        ),
    );
  section(
    "idle runs (information: waiting for a signal, or a lost wake-up)",
    report.idleRuns.count,
    ["RUN ID", "WORKFLOW ID", "WORKFLOW", "IDLE SINCE"],
    runRows(report.idleRuns.sample),
  );
  section(
    "dead letters (information: activity tasks that failed for good)",
    report.deadLetters.count,
    ["TASK ID", "RUN ID", "ACTIVITY", "ATTEMPTS", "FAILED", "ERROR"],
    report.deadLetters.sample.map((t) => [
      t.taskId,
      t.runId,
      t.activityName,
      String(t.attempt),
      formatAge(t.since, report.now),
      t.lastError === undefined ? "-" : `${t.lastError.code ?? t.lastError.name}: ${t.lastError.message}`,
    ]),
  );
  if (report.problems.length === 0) parts.push(`\n${c.green("healthy: no problems found")}\n`);
  else {
    parts.push(`\n${c.red(c.bold(`${report.problems.length} problem(s)`))}\n`);
    for (const problem of report.problems)
      parts.push(`  ${c.red(problem.kind)}: ${problem.message}\n    fix: ${problem.fix}\n`);
  }
  return parts.join("");
}
