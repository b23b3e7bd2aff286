import type { EventPartitionInfo, JournalAdmin } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable } from "../output/format-table.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions, type JournalSession } from "./journal-session.ts";

interface EnsureOptions extends JournalCommandOptions {
  readonly months: string;
  readonly batchRuns: string;
}

interface DropOptions extends JournalCommandOptions {
  readonly olderThan: string;
  readonly execute?: boolean;
}

const ensureDescription = `create the coming months' history partitions, and move history out of the default partition

Months whose history sits in the default partition (written while the month had no partition)
are moved online: runs are re-keyed in batches (--batch-runs per transaction, each run's row
locked for the moment its events move; runs being stepped are skipped and taken by a later
pass), then a last short step (history writes wait, reads go on) moves the rest. Safe to run
while engines work; safe to interrupt and run again. See guides/operations.md.`;

const dropDescription = `drop whole months of history older than a cutoff (dry run unless --execute)

A month's partition is dropped only when no run that still exists (open or closed) has its
history in it: a month still held is listed with its open and closed runs and kept. Delete
closed runs first (continuum cleanup, or a workflow's retention), then drop their months.`;

/**
 * `continuum partitions list|ensure|drop`: the history table's monthly partitions.
 *
 * @example
 * ```sh
 * continuum partitions list
 * continuum partitions ensure --months 6
 * continuum partitions drop --older-than 12mo            # what would go
 * continuum partitions drop --older-than 12mo --execute
 * ```
 */
export function partitionsCommand(program: Command, io: CliIo, result: CommandResult): void {
  const partitions = program
    .command("partitions")
    .description(
      "monthly history partitions: list, create ahead (converting the default partition), drop old months",
    );
  databaseOptions(
    partitions.command("list").description("list history partitions with their date ranges, rows and sizes"),
  )
    .option("--json", "print the list as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: JournalCommandOptions) => {
      result.code = await withAdmin(io, options, (session, admin) => list(session, admin, options));
    });
  databaseOptions(partitions.command("ensure").description(ensureDescription))
    .option("--months <n>", "months from this one that must have a partition (1-120)", "3")
    .option("--batch-runs <n>", "runs moved per transaction while converting (1-10000)", "500")
    .option("--json", "print what was done as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: EnsureOptions) => {
      result.code = await withAdmin(io, options, (session, admin) => ensure(session, admin, options));
    });
  databaseOptions(partitions.command("drop").description(dropDescription))
    .requiredOption("--older-than <months>", "months that ended at least this long ago (12mo)")
    .option("--execute", "drop (without it: dry run)")
    .option("--json", "print the plan or what was dropped as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: DropOptions) => {
      // A bad cutoff is refused before the database is opened.
      if (!/^\d+mo$/.test(options.olderThan.trim())) {
        io.stderr(
          `error: --older-than ${JSON.stringify(options.olderThan)}: expected whole months such as 12mo\n`,
        );
        result.code = ExitCode.usage;
        return;
      }
      result.code = await withAdmin(io, options, (session, admin) => drop(session, admin, options));
    });
}

function withAdmin(
  io: CliIo,
  options: JournalCommandOptions,
  body: (session: JournalSession, admin: JournalAdmin) => Promise<ExitCode>,
): Promise<ExitCode> {
  return withJournal(io, options, async (session) => {
    const admin = session.journal.admin;
    if (admin === undefined) {
      session.out.stderr("error: this journal has no operator port (journal.admin)\n");
      return ExitCode.failed;
    }
    try {
      return await body(session, admin);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      session.out.stderr(`error: ${error.message}\n`);
      return ExitCode.usage;
    }
  });
}

async function list(
  session: JournalSession,
  admin: JournalAdmin,
  options: JournalCommandOptions,
): Promise<ExitCode> {
  const parts = await admin.partitions();
  if (options.json === true) {
    session.json(parts);
    return ExitCode.ok;
  }
  session.out.stdout(partitionTable(session, parts));
  const fallback = parts.find((p) => p.kind === "default");
  if (fallback !== undefined && fallback.rows > 0) {
    const months = fallback.months.map((m) => `${m.month.slice(0, 7)} (${m.rows})`).join(", ");
    session.out.stdout(
      `\n${session.style.colors.yellow("warning")}: ${fallback.rows} event(s) in the default partition: ${months}\n` +
        "  fix: continuum partitions ensure (moves them online)\n",
    );
  }
  return ExitCode.ok;
}

function partitionTable(session: JournalSession, parts: readonly EventPartitionInfo[]): string {
  return formatTable(
    session.style,
    ["PARTITION", "FROM", "TO", "ROWS", "SIZE"],
    parts.map((p) => [
      p.name,
      p.from ?? (p.kind === "default" ? "(default)" : "-"),
      p.to ?? "-",
      p.rowsExact ? String(p.rows) : `~${p.rows}`,
      formatBytes(p.bytes),
    ]),
  );
}

async function ensure(
  session: JournalSession,
  admin: JournalAdmin,
  options: EnsureOptions,
): Promise<ExitCode> {
  const monthsAhead = wholeNumber(options.months, "--months", 1, 120);
  const batchRuns = wholeNumber(options.batchRuns, "--batch-runs", 1, 10_000);
  const done = await admin.ensurePartitions({
    monthsAhead,
    batchRuns,
    convert: true,
    wait: true,
    ...(options.json === true
      ? {}
      : {
          onProgress: (p: { month: string; runs: number; events: number }) =>
            session.out.stderr(
              `converting ${p.month.slice(0, 7)}: ${p.runs} run(s), ${p.events} event(s) moved\n`,
            ),
        }),
  });
  if (options.json === true) {
    session.json(done);
    return ExitCode.ok;
  }
  const c = session.style.colors;
  for (const month of done.converted)
    session.out.stdout(
      `${c.green("converted")} ${month.month.slice(0, 7)}: ${month.runs} run(s), ${month.events} event(s)\n`,
    );
  session.out.stdout(
    done.created.length === 0
      ? `partitions for ${monthsAhead} month(s) ahead exist\n`
      : `${c.green("created")} ${done.created.map((m) => m.slice(0, 7)).join(", ")}\n`,
  );
  return ExitCode.ok;
}

async function drop(session: JournalSession, admin: JournalAdmin, options: DropOptions): Promise<ExitCode> {
  const match = /^(\d+)mo$/.exec(options.olderThan.trim());
  if (match === null)
    throw new UsageError(
      `--older-than ${JSON.stringify(options.olderThan)}: expected whole months such as 12mo`,
    );
  const now = new Date(await session.journal.now());
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - Number(match[1]), 1));
  const before = cutoff.toISOString().slice(0, 10);
  const result = await admin.dropPartitions({ before, execute: options.execute === true });
  if (options.json === true) {
    session.json(result);
    return ExitCode.ok;
  }
  const c = session.style.colors;
  const verb = result.executed ? c.green("Dropped") : `${c.bold("Dry run")}: nothing dropped. Would drop`;
  session.out.stdout(`${verb} ${result.dropped.length} partition(s) ending on or before ${before}\n`);
  if (result.dropped.length > 0) session.out.stdout(partitionTable(session, result.dropped));
  if (result.kept.length > 0) {
    session.out.stdout(
      `\nKept (runs still have history there; delete closed runs first: continuum cleanup):\n`,
    );
    session.out.stdout(
      formatTable(
        session.style,
        ["PARTITION", "FROM", "TO", "OPEN RUNS", "CLOSED RUNS"],
        result.kept.map((k) => [
          k.partition.name,
          k.partition.from ?? "-",
          k.partition.to ?? "-",
          String(k.openRuns),
          String(k.closedRuns),
        ]),
      ),
    );
  }
  if (!result.executed && result.dropped.length > 0)
    session.out.stdout(
      `\nTo drop them: continuum partitions drop --older-than ${options.olderThan} --execute\n`,
    );
  return ExitCode.ok;
}

function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return n;
}
