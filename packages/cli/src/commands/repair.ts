import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { repairKinds, type RepairItem, type RepairKind } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable } from "../output/format-table.ts";
import { formatInstant, parseDuration } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";
import { actorOption, cliOperator, type ActorOptions } from "./operator-session.ts";

interface RepairOptions extends JournalCommandOptions, ActorOptions {
  readonly namespace?: string;
  readonly staleAfter?: string;
  readonly limit?: string;
  readonly execute?: boolean;
  readonly plan?: string;
}

const what: Record<RepairKind, string> = {
  "expired-leases": "release leases that expired (fencing token bumped: the dead holder's writes fail)",
  "lost-wakes": "mark ready the running runs that nothing wakes (no inbox item, timer, task or child)",
  "overdue-timers": "fire timers past their fire time",
};

/**
 * `continuum repair <finding>`: repairs one finding of the health report. A dry run by default:
 * prints exactly the changes it would make, each with the state it was planned against.
 * `--execute` applies that list (planned again now, or read from `--plan`, a dry run's `--json`
 * output), each change fenced: a row that changed since the plan is skipped and reported, never
 * touched. Executions are audited (actor, host, counts).
 *
 * @example
 * ```sh
 * continuum repair overdue-timers                       # dry run
 * continuum repair overdue-timers --json > plan.json    # dry run, saved
 * continuum repair overdue-timers --execute --plan plan.json
 * ```
 */
export function repairCommand(program: Command, io: CliIo, result: CommandResult): void {
  actorOption(
    databaseOptions(
      program
        .command("repair")
        .argument("<finding>", `the health finding to repair: ${repairKinds.join(", ")}`)
        .description(
          "repair a health finding (expired-leases, lost-wakes, overdue-timers): a dry run unless --execute; fenced and audited",
        ),
    ),
  )
    .option("--namespace <ns>", "only runs of this namespace (default: every namespace)")
    .option("--stale-after <duration>", "how long the condition must have held (default 60s, as `health`)")
    .option("--limit <n>", "at most this many changes, oldest first (default 100, at most 1000)")
    .option("--execute", "apply the changes (fenced: rows changed since the plan are skipped and reported)")
    .option("--plan <file>", "with --execute: apply exactly this plan (a dry run's --json output)")
    .option("--json", "print the plan or the outcome as JSON")
    .addHelpText(
      "after",
      `\nFindings:\n${repairKinds.map((k) => `  ${k.padEnd(15)} ${what[k]}`).join("\n")}\n${databaseUrlHelp}`,
    )
    .action(async (finding: string, options: RepairOptions) => {
      result.code = await repair(finding, options, io);
    });
}

async function repair(finding: string, options: RepairOptions, io: CliIo): Promise<ExitCode> {
  let request: { kind: RepairKind; namespace?: string; staleAfterMs?: number; limit?: number };
  let planned: RepairItem[] | undefined;
  try {
    if (!(repairKinds as readonly string[]).includes(finding))
      throw new UsageError(
        `unknown finding ${JSON.stringify(finding)}: expected one of ${repairKinds.join(", ")}`,
      );
    if (options.plan !== undefined && options.execute !== true)
      throw new UsageError("--plan applies a saved plan: give it with --execute");
    request = {
      kind: finding as RepairKind,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      ...(options.staleAfter === undefined
        ? {}
        : { staleAfterMs: parseDuration(options.staleAfter, "--stale-after") }),
      ...(options.limit === undefined ? {} : { limit: parseLimit(options.limit) }),
    };
    if (options.plan !== undefined) planned = await readPlan(options.plan, finding as RepairKind, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ journal, out, style, json }) => {
    const operator = cliOperator(journal, options, io);
    const plan = planned ?? (await operator.planRepair(request));
    if (options.execute !== true) {
      if (options.json === true) json({ finding, dryRun: true, items: plan });
      else {
        if (plan.length > 0) out.stdout(formatTable(style, ["CHANGE", "RUN", "DETAIL"], plan.map(describe)));
        out.stderr(
          `dry run: ${plan.length} change(s) for ${finding}; nothing changed. ` +
            (plan.length === 0
              ? "\n"
              : "Apply exactly these with --execute (save them with --json, apply with --plan).\n"),
        );
      }
      return ExitCode.ok;
    }
    const { applied, skipped } =
      plan.length === 0 ? { applied: [], skipped: [] } : await operator.repair(plan);
    if (options.json === true) json({ finding, dryRun: false, applied, skipped });
    else {
      const rows = [
        ...applied.map((item) => ["applied", ...describe(item)]),
        ...skipped.map((item) => ["skipped (changed since the plan)", ...describe(item)]),
      ];
      if (rows.length > 0) out.stdout(formatTable(style, ["OUTCOME", "CHANGE", "RUN", "DETAIL"], rows));
      out.stderr(`${applied.length} change(s) applied, ${skipped.length} skipped for ${finding}\n`);
    }
    return ExitCode.ok;
  });
}

function describe(item: RepairItem): string[] {
  switch (item.kind) {
    case "release_lease":
      return [
        "release lease",
        item.runId,
        `held by ${item.leaseOwner}, expired ${formatInstant(item.leaseExpiresAt)}, fencing token ${item.fencingToken} -> ${item.fencingToken + 1}`,
      ];
    case "mark_ready":
      return [
        "mark ready",
        item.runId,
        `idle since ${formatInstant(item.updatedAt)} at event ${item.lastSeq}`,
      ];
    case "fire_timer":
      return ["fire timer", item.runId, `${item.identity}, due ${formatInstant(item.fireAt)}`];
  }
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new UsageError(`--limit ${JSON.stringify(text)}: expected 1 to 1000`);
  return n;
}

// A dry run's --json output ({ finding, items }) or a bare array of items; core checks each item.
async function readPlan(file: string, finding: RepairKind, io: CliIo): Promise<RepairItem[]> {
  const path = resolve(io.cwd ?? process.cwd(), file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch (error) {
    throw new UsageError(`--plan ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const saved = parsed as { finding?: unknown; items?: unknown } | null;
  if (!Array.isArray(parsed) && saved?.finding !== undefined && saved.finding !== finding)
    throw new UsageError(`--plan ${path} is a plan for ${String(saved.finding)}, not ${finding}`);
  const items = Array.isArray(parsed) ? parsed : saved?.items;
  if (!Array.isArray(items)) throw new UsageError(`--plan ${path}: expected a dry run's --json output`);
  return items as RepairItem[];
}
