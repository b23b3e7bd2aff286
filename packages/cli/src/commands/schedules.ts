import { createClient, type ScheduleDescription, type ScheduleFireResult } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable } from "../output/format-table.ts";
import { formatInstant, parseInstant } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions, type JournalSession } from "./journal-session.ts";

interface ScheduleOptions extends JournalCommandOptions {
  readonly namespace?: string;
}

interface BackfillOptions extends ScheduleOptions {
  readonly from: string;
  readonly to: string;
}

const defaultNamespace = "default";

/**
 * `continuum schedules list|show|pause|resume|trigger|delete|backfill`: see schedules with their next
 * fire times, and act on them through core's client (the CLI writes no SQL).
 *
 * @example
 * ```sh
 * continuum schedules list
 * continuum schedules pause nightly-report --namespace shop
 * continuum schedules backfill nightly-report --from 2026-12-01 --to 2026-12-05
 * ```
 */
export function schedulesCommand(program: Command, io: CliIo, result: CommandResult): void {
  const schedules = program
    .command("schedules")
    .description(
      "list schedules with their next fire times; pause, resume, trigger, delete and backfill them",
    );
  const common = (command: Command, namespaceHelp: string): Command =>
    databaseOptions(command)
      .option("--namespace <ns>", namespaceHelp)
      .option("--json", "print the outcome as JSON")
      .addHelpText("after", databaseUrlHelp);
  common(
    schedules.command("list").description("every schedule, with its next fire times"),
    "only this namespace (default: every namespace)",
  ).action(async (options: ScheduleOptions) => {
    result.code = await withJournal(io, options, (session) => list(session, options));
  });
  common(
    schedules
      .command("show")
      .argument("<name>", "the schedule's name")
      .description("one schedule: definition, state, next fire times"),
    `the schedule's namespace (default: ${defaultNamespace})`,
  ).action(async (name: string, options: ScheduleOptions) => {
    result.code = await withJournal(io, options, (session) => show(session, name, options));
  });
  for (const [verb, help] of [
    ["pause", "stop firing (runs already started go on)"],
    ["resume", "fire again from now on (fire times passed while paused are not caught up)"],
    ["trigger", "fire once now (the overlap policy applies)"],
  ] as const) {
    common(
      schedules.command(verb).argument("<name>", "the schedule's name").description(help),
      `the schedule's namespace (default: ${defaultNamespace})`,
    ).action(async (name: string, options: ScheduleOptions) => {
      result.code = await withJournal(io, options, (session) => act(session, verb, name, options));
    });
  }
  common(
    schedules
      .command("delete")
      .argument("<name>", "the schedule's name")
      .description(
        "remove a schedule (its runs go on); one still defined in an app's code comes back when that app's engine starts",
      ),
    `the schedule's namespace (default: ${defaultNamespace})`,
  ).action(async (name: string, options: ScheduleOptions) => {
    result.code = await withJournal(io, options, (session) => remove(session, name, options));
  });
  common(
    schedules
      .command("backfill")
      .argument("<name>", "the schedule's name")
      .description("start a run for every fire time in a range that has none yet (at most 1000)")
      .requiredOption("--from <time>", "first fire time: ISO date or date-time, or a duration ago (7d)")
      .requiredOption("--to <time>", "last fire time: ISO date or date-time, or a duration ago (1h)"),
    `the schedule's namespace (default: ${defaultNamespace})`,
  ).action(async (name: string, options: BackfillOptions) => {
    let range: { from: number; to: number };
    try {
      const now = Date.now();
      range = { from: parseInstant(options.from, "--from", now), to: parseInstant(options.to, "--to", now) };
      if (range.from > range.to) throw new UsageError("--from is after --to");
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.stderr(`error: ${error.message}\n`);
      result.code = ExitCode.usage;
      return;
    }
    result.code = await withJournal(io, options, async (session) => {
      const client = createClient({
        journal: session.journal,
        namespace: options.namespace ?? defaultNamespace,
      });
      printFires(session, options, "backfill", name, await client.schedules.backfill(name, range));
      return ExitCode.ok;
    });
  });
}

async function list(session: JournalSession, options: ScheduleOptions): Promise<ExitCode> {
  const found = await session.inspector.schedules(
    options.namespace === undefined ? {} : { namespace: options.namespace },
  );
  if (options.json === true) {
    session.json(found);
    return ExitCode.ok;
  }
  const c = session.style.colors;
  session.out.stdout(
    formatTable(
      session.style,
      [
        "NAMESPACE",
        "SCHEDULE",
        "WHEN",
        "WORKFLOW",
        "OVERLAP",
        "STATE",
        "NEXT FIRE",
        "LAST FIRE",
        "FIRED",
        "SKIPPED",
      ],
      found.map((s) => [
        s.namespace,
        s.name,
        when(s),
        s.workflowName,
        s.spec.overlap,
        s.paused ? c.yellow("paused") : c.green("active"),
        s.paused ? c.dim("-") : formatInstant(s.nextFireAt),
        formatInstant(s.lastFireAt),
        String(s.firedCount),
        s.skippedCount === 0 ? c.dim("0") : c.yellow(`${s.skippedCount} (${s.lastSkipReason ?? "?"})`),
      ]),
    ),
  );
  if (found.length === 0) session.out.stderr("no schedules\n");
  return ExitCode.ok;
}

async function show(session: JournalSession, name: string, options: ScheduleOptions): Promise<ExitCode> {
  const found = await session.inspector.schedule(options.namespace ?? defaultNamespace, name);
  if (found === undefined) {
    session.out.stderr(
      `no schedule ${JSON.stringify(name)} in namespace ${options.namespace ?? defaultNamespace}\n`,
    );
    return ExitCode.failed;
  }
  if (options.json === true) {
    session.json(found);
    return ExitCode.ok;
  }
  const lines = [
    `schedule   ${found.name} (namespace ${found.namespace})`,
    `when       ${when(found)}`,
    `workflow   ${found.workflowName} (version ${found.versionHash})`,
    `input      ${JSON.stringify(found.input)}`,
    `overlap    ${found.spec.overlap}; catch-up window ${found.spec.catchupWindowMs} ms; jitter ${found.spec.jitterMs} ms`,
    `state      ${found.paused ? "paused" : "active"}; fired ${found.firedCount}, skipped ${found.skippedCount}${found.lastSkipReason === undefined ? "" : ` (last: ${found.lastSkipReason} at ${formatInstant(found.lastSkippedAt)})`}`,
    `last fire  ${formatInstant(found.lastFireAt)}${found.lastRunId === undefined ? "" : ` (run ${found.lastRunId})`}`,
    ...(found.bufferedFireAt === undefined
      ? []
      : [`buffered   ${formatInstant(found.bufferedFireAt)} (waits for the previous run)`]),
    `next fires ${found.upcoming.length === 0 ? "-" : found.upcoming.map(formatInstant).join("\n           ")}`,
  ];
  session.out.stdout(`${lines.join("\n")}\n`);
  return ExitCode.ok;
}

async function act(
  session: JournalSession,
  verb: "pause" | "resume" | "trigger",
  name: string,
  options: ScheduleOptions,
): Promise<ExitCode> {
  const client = createClient({ journal: session.journal, namespace: options.namespace ?? defaultNamespace });
  if (verb === "trigger") {
    printFires(session, options, verb, name, await client.schedules.trigger(name));
    return ExitCode.ok;
  }
  const updated = verb === "pause" ? await client.schedules.pause(name) : await client.schedules.resume(name);
  if (options.json === true) session.json(updated);
  else
    session.out.stdout(
      `schedule ${name} ${updated.paused ? "paused" : `active; next fire ${formatInstant(updated.nextFireAt)}`}\n`,
    );
  return ExitCode.ok;
}

async function remove(session: JournalSession, name: string, options: ScheduleOptions): Promise<ExitCode> {
  const namespace = options.namespace ?? defaultNamespace;
  const client = createClient({ journal: session.journal, namespace });
  const deleted = await client.schedules.delete(name);
  if (options.json === true) session.json({ namespace, name, deleted });
  else if (deleted) session.out.stdout(`schedule ${name} deleted from namespace ${namespace}\n`);
  else session.out.stderr(`no schedule ${JSON.stringify(name)} in namespace ${namespace}\n`);
  return deleted ? ExitCode.ok : ExitCode.failed;
}

function printFires(
  session: JournalSession,
  options: ScheduleOptions,
  verb: string,
  name: string,
  fires: ScheduleFireResult,
): void {
  if (options.json === true) {
    session.json(fires);
    return;
  }
  for (const fire of fires.fired)
    session.out.stdout(`started run ${fire.runId} (workflow id ${fire.workflowId})\n`);
  for (const skip of fires.skipped)
    session.out.stdout(`skipped fire time ${formatInstant(skip.fireAt)}: ${skip.reason}\n`);
  session.out.stdout(`${verb} ${name}: ${fires.fired.length} started, ${fires.skipped.length} skipped\n`);
}

function when(s: ScheduleDescription): string {
  return s.spec.cron !== undefined
    ? `cron ${s.spec.cron} (${s.spec.timezone})`
    : `every ${s.spec.everyMs ?? "?"} ms`;
}
