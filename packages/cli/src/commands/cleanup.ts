import type { DeleteClosedRunsRequest, DeleteClosedRunsResult, Journal } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable } from "../output/format-table.ts";
import { formatInstant, parseDuration } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { startCleanupProgress } from "./cleanup-progress.ts";
import { withJournal, type JournalCommandOptions, type JournalSession } from "./journal-session.ts";

interface CleanupOptions extends JournalCommandOptions {
  readonly olderThan?: string;
  readonly before?: string;
  readonly workflow?: string;
  readonly namespace?: string;
  readonly batchSize: string;
  readonly samples: string;
  readonly execute?: boolean;
}

const description = `delete closed runs older than a cutoff (dry run unless --execute)

Deletes whole run trees: a root run, its continue-as-new successors and every descendant
(children...), with their history, tasks, timers and inbox. A tree goes only when every run in it
closed before the cutoff and none has activity work still pending, so lineage stays whole
(\`continuum audit\` stays clean); --workflow and --namespace match the root run.

Without --execute nothing is deleted: it prints the cutoff, the counts and a sample, and the
command that deletes exactly that set (--before the printed cutoff). --older-than is measured
from the database clock when the command runs, so an --execute an hour later also takes the runs
that crossed the line meanwhile; --before CUTOFF does not. Runs never close in the past, so no run
that closes after the dry run is ever added; a run reopened meanwhile (runs retry) is kept.`;

/**
 * `continuum cleanup`: retention by hand. Dry run by default; `--execute` deletes in batches
 * (one transaction each, so engines keep running) with a progress bar on a terminal.
 *
 * @example
 * ```sh
 * continuum cleanup --older-than 90d --workflow order           # what would go
 * continuum cleanup --before 2026-09-08T00:00:00.000Z --execute # delete exactly that
 * ```
 */
export function cleanupCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program
      .command("cleanup")
      .summary("delete closed runs older than a cutoff (dry run unless --execute)")
      .description(description),
  )
    .option("--older-than <duration>", "closed longer ago than this (90d, 12h, 30m)")
    .option("--before <instant>", "closed before this ISO instant (as a dry run prints it)")
    .option("--workflow <name>", "only trees whose root run has this workflow name")
    .option("--namespace <name>", "only this namespace")
    .option("--batch-size <n>", "runs per transaction (1-10000)", "500")
    .option("--samples <n>", "runs listed by a dry run (0-1000)", "20")
    .option("--execute", "delete (without it: dry run)")
    .option("--json", "print the plan or the totals as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: CleanupOptions) => {
      result.code = await cleanup(options, io);
    });
}

async function cleanup(options: CleanupOptions, io: CliIo): Promise<ExitCode> {
  let batchSize: number;
  let samples: number;
  try {
    if ((options.olderThan === undefined) === (options.before === undefined))
      throw new UsageError("give one of --older-than DURATION or --before INSTANT");
    batchSize = wholeNumber(options.batchSize, "--batch-size", 1, 10_000);
    samples = wholeNumber(options.samples, "--samples", 0, 1000);
    if (options.olderThan !== undefined) parseDuration(options.olderThan, "--older-than");
    if (options.before !== undefined && Number.isNaN(Date.parse(options.before)))
      throw new UsageError(`--before ${JSON.stringify(options.before)}: expected an ISO instant`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async (session) => {
    const now = await session.journal.now();
    const closedBefore =
      options.before === undefined
        ? now - parseDuration(options.olderThan!, "--older-than")
        : Date.parse(options.before);
    if (closedBefore > now) {
      session.out.stderr(`error: the cutoff ${formatInstant(closedBefore)} is in the future\n`);
      return ExitCode.usage;
    }
    const request: DeleteClosedRunsRequest = {
      closedBefore,
      limit: batchSize,
      ...(options.workflow === undefined ? {} : { workflowName: options.workflow }),
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    };
    const plan = await session.journal.deleteClosedRuns({ ...request, limit: samples, dryRun: true });
    if (options.execute === true) return execute(session, request, plan, options);
    printPlan(session, plan, closedBefore, options);
    return ExitCode.ok;
  });
}

function printPlan(
  session: JournalSession,
  plan: DeleteClosedRunsResult,
  closedBefore: number,
  options: CleanupOptions,
): void {
  const cutoff = new Date(closedBefore).toISOString();
  if (options.json === true) {
    session.json({ dryRun: true, closedBefore: cutoff, ...plan });
    return;
  }
  const { out, style } = session;
  const c = style.colors;
  out.stdout(`${c.bold("Dry run")}: nothing deleted. Cutoff: closed before ${cutoff}\n\n`);
  out.stdout(
    formatTable(
      style,
      ["WOULD DELETE", "COUNT"],
      [
        ["runs", String(plan.runs)],
        ["run trees", String(plan.trees)],
        ["history events", String(plan.events)],
        ["activity tasks", String(plan.tasks)],
      ],
    ),
  );
  if (plan.sample.length > 0) {
    out.stdout(`\nOldest first (${plan.sample.length} of ${plan.runs}):\n`);
    out.stdout(
      formatTable(
        style,
        ["RUN ID", "ROOT", "NAMESPACE", "WORKFLOW", "WORKFLOW ID", "STATUS", "CLOSED"],
        plan.sample.map((s) => [
          s.runId,
          s.rootRunId === s.runId ? "(root)" : s.rootRunId,
          s.namespace,
          s.workflowName,
          s.workflowId,
          s.status,
          formatInstant(s.finishedAt),
        ]),
      ),
    );
  }
  if (plan.runs > 0) {
    const filters = [
      ...(options.workflow === undefined ? [] : [`--workflow ${quote(options.workflow)}`]),
      ...(options.namespace === undefined ? [] : [`--namespace ${quote(options.namespace)}`]),
    ];
    out.stdout(
      `\nTo delete exactly these: continuum cleanup --before ${cutoff} ${[...filters, "--execute"].join(" ")}\n`,
    );
  }
}

async function execute(
  session: JournalSession,
  request: DeleteClosedRunsRequest,
  plan: DeleteClosedRunsResult,
  options: CleanupOptions,
): Promise<ExitCode> {
  const totals = { runs: 0, trees: 0, events: 0, tasks: 0, batches: 0 };
  const progress = startCleanupProgress(session.out, plan.runs);
  try {
    for (;;) {
      const batch = await deleteBatch(session.journal, request);
      if (batch.runs === 0) break;
      totals.runs += batch.runs;
      totals.trees += batch.trees;
      totals.events += batch.events;
      totals.tasks += batch.tasks;
      totals.batches += 1;
      progress.update(totals.runs);
    }
  } finally {
    progress.stop();
  }
  const closedBefore = new Date(request.closedBefore).toISOString();
  if (options.json === true) {
    session.json({ dryRun: false, closedBefore, ...totals });
    return ExitCode.ok;
  }
  const c = session.style.colors;
  session.out.stdout(
    `${c.green("Deleted")} ${totals.runs} run(s) in ${totals.trees} tree(s): ${totals.events} history event(s), ` +
      `${totals.tasks} activity task(s), in ${totals.batches} batch(es). Cutoff: closed before ${closedBefore}\n`,
  );
  return ExitCode.ok;
}

function deleteBatch(journal: Journal, request: DeleteClosedRunsRequest): Promise<DeleteClosedRunsResult> {
  return journal.deleteClosedRuns(request);
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return n;
}

function quote(text: string): string {
  return /^[\w.:/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
