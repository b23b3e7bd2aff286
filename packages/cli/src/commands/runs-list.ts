import {
  allOf,
  attr,
  RunStatus,
  type AttributeCondition,
  type InspectedRun,
  type RunsPageRequest,
} from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { colourStatus, formatTable, truncate } from "../output/format-table.ts";
import { formatAge, formatInstant, parseInstant } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface RunsListOptions extends JournalCommandOptions {
  readonly status?: string[];
  readonly workflow?: string;
  readonly versionHash?: string;
  readonly namespace?: string;
  readonly attr?: string[];
  readonly since?: string;
  readonly until?: string;
  readonly search?: string;
  readonly parent?: string;
  readonly limit?: string;
  readonly after?: string;
  readonly before?: string;
}

const statuses = Object.values(RunStatus) as string[];
const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(",").filter(Boolean),
];

/**
 * `continuum runs list`: the runs page, newest first, with every filter of the read model.
 *
 * @example
 * ```sh
 * continuum runs list --status failed --workflow order --since 24h
 * continuum runs list --search order-17 --json
 * ```
 */
export function runsListCommand(runs: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    runs
      .command("list")
      .alias("ls")
      .description("list runs, newest first (filters combine; --json for scripts)"),
  )
    .option(
      "--status <status>",
      `only these statuses (repeat or comma-separate: ${statuses.join(", ")})`,
      collect,
    )
    .option("--workflow <name>", "only runs of this workflow")
    .option("--version-hash <hash>", "only runs of this workflow version hash")
    .option("--namespace <ns>", "only runs of this namespace (default: every namespace)")
    .option(
      "--attr <condition>",
      "only runs whose attributes match: key=value (JSON or text), key>=n, key>n, key<=n, key<n (numbers or ISO instants), key^=prefix (repeat; all must hold)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--since <when>", "started at or after: an ISO date or a duration ago (2h, 7d)")
    .option("--until <when>", "started before: an ISO date or a duration ago")
    .option("--search <prefix>", "run id or workflow id starting with this")
    .option("--parent <run-id>", "only children of this run")
    .option("--limit <n>", "runs per page (1-1000)", "50")
    .option("--after <cursor>", "the page after this cursor (older runs; printed under the table)")
    .option("--before <cursor>", "the page before this cursor (newer runs)")
    .option("--json", "print the page as JSON: { runs, counts, next, previous }")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: RunsListOptions) => {
      result.code = await runsList(options, io);
    });
}

async function runsList(options: RunsListOptions, io: CliIo): Promise<ExitCode> {
  let request: RunsPageRequest;
  try {
    request = pageRequest(options, Date.now());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const page = await inspector.runs(request);
    const { limit: _l, after: _a, before: _b, ...query } = request;
    const counts = await inspector.counts(query);
    if (options.json === true) {
      json({ ...page, counts });
      return ExitCode.ok;
    }
    const now = Date.now();
    out.stdout(
      formatTable(
        style,
        ["RUN ID", "NAMESPACE", "WORKFLOW ID", "WORKFLOW", "VERSION", "STATUS", "STARTED", "UPDATED"],
        page.runs.map((run) => row(run, now, style)),
      ),
    );
    if (style.tty || page.runs.length === 0) {
      const summary = statuses
        .filter((status) => counts[status as RunStatus] > 0)
        .map((status) => `${status} ${counts[status as RunStatus]}`)
        .join(", ");
      out.stderr(`${counts.total} run(s) match${summary === "" ? "" : `: ${summary}`}\n`);
      if (page.next !== undefined) out.stderr(`older: --after ${page.next}\n`);
      if (page.previous !== undefined) out.stderr(`newer: --before ${page.previous}\n`);
    }
    return ExitCode.ok;
  });
}

function row(run: InspectedRun, now: number, style: Parameters<typeof colourStatus>[0]): string[] {
  return [
    run.runId,
    truncate(run.namespace, 24),
    truncate(run.workflowId, 40),
    run.workflowName,
    truncate(run.versionHash, 12),
    colourStatus(style, run.status),
    style.tty ? formatAge(run.createdAt, now) : formatInstant(run.createdAt),
    style.tty ? formatAge(run.updatedAt, now) : formatInstant(run.updatedAt),
  ];
}

/** The flags as a runs page request; throws UsageError on a bad value. */
export function pageRequest(options: RunsListOptions, now: number): RunsPageRequest {
  for (const status of options.status ?? [])
    if (!statuses.includes(status))
      throw new UsageError(`--status ${JSON.stringify(status)}: expected one of ${statuses.join(", ")}`);
  const limit = Number(options.limit ?? "50");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit ${JSON.stringify(options.limit)}: expected a whole number from 1 to 1000`);
  if (options.after !== undefined && options.before !== undefined)
    throw new UsageError("give --after or --before, not both");
  const attributes: Record<string, unknown> = {};
  const conditions: AttributeCondition[] = [];
  for (const flag of options.attr ?? []) {
    const condition = attributeCondition(flag);
    if (condition === undefined) {
      const at = flag.indexOf("=");
      attributes[flag.slice(0, at)] = parseAttributeValue(flag.slice(at + 1));
    } else conditions.push(condition);
  }
  return {
    limit,
    ...(options.status === undefined ? {} : { status: options.status as RunStatus[] }),
    ...(options.workflow === undefined ? {} : { workflowName: options.workflow }),
    ...(options.versionHash === undefined ? {} : { versionHash: options.versionHash }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
    ...(conditions.length === 0
      ? {}
      : { where: conditions.length === 1 ? conditions[0]! : allOf(...conditions) }),
    ...(options.since === undefined ? {} : { startedFrom: parseInstant(options.since, "--since", now) }),
    ...(options.until === undefined ? {} : { startedTo: parseInstant(options.until, "--until", now) }),
    ...(options.search === undefined ? {} : { idPrefix: options.search }),
    ...(options.parent === undefined ? {} : { parentRunId: options.parent }),
    ...(options.after === undefined ? {} : { after: options.after }),
    ...(options.before === undefined ? {} : { before: options.before }),
  };
}

const operatorFlag = /^(.+?)(>=|<=|\^=|>|<|=)(.*)$/s;

/**
 * One `--attr` flag as a typed query condition (names and values stay data: the journal checks
 * and binds them), or undefined for `key=value`, which stays a containment filter as before.
 * Throws UsageError when the flag has no operator.
 */
export function attributeCondition(flag: string): AttributeCondition | undefined {
  const match = operatorFlag.exec(flag);
  if (match === null || match[1] === undefined || match[1].trim() === "")
    throw new UsageError(
      `--attr ${JSON.stringify(flag)}: expected key=value, key>=value, key>value, key<=value, key<value or key^=prefix`,
    );
  const [, name, op, text = ""] = match;
  const bound = (): number | string => {
    const value = parseAttributeValue(text);
    return typeof value === "number" ? value : text;
  };
  switch (op) {
    case "=":
      return undefined;
    case "^=":
      return attr(name).startsWith(text);
    case ">=":
      return attr(name).gte(bound());
    case ">":
      return attr(name).gt(bound());
    case "<=":
      return attr(name).lte(bound());
    case "<":
      return attr(name).lt(bound());
    default:
      throw new UsageError(`--attr ${JSON.stringify(flag)}: unknown operator ${String(op)}`);
  }
}

/** An attribute value: JSON when it parses (numbers, booleans, quoted strings), else the text itself. */
function parseAttributeValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
