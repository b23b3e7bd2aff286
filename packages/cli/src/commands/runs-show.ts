import {
  RunNotFoundError,
  toDisplayJson,
  type InspectedError,
  type InspectedRunDetail,
  type Inspector,
} from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { colourStatus, formatTable, truncate, type OutputStyle } from "../output/format-table.ts";
import { formatAge, formatInstant } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { auditRow } from "./audit-log.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface RunsShowOptions extends JournalCommandOptions {
  readonly namespace?: string;
}

/**
 * `continuum runs show <run-id|workflow-id>`: everything about one run: status, lease, next
 * wake-up, lineage, the failure with its fix line, tasks, timers, inbox, children and operator actions.
 *
 * @example
 * ```sh
 * continuum runs show order-17
 * continuum runs show 0b6c...e1 --json
 * ```
 */
export function runsShowCommand(runs: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    runs
      .command("show")
      .argument("<id>", "a run id, or a workflow id (its latest run)")
      .description(
        "show one run: status, lease, next wake-up, lineage, failure, tasks, timers, inbox, children",
      ),
  )
    .option("--namespace <ns>", "look the workflow id up in this namespace (default: any)")
    .option("--json", "print everything as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (id: string, options: RunsShowOptions) => {
      result.code = await runsShow(id, options, io);
    });
}

async function runsShow(id: string, options: RunsShowOptions, io: CliIo): Promise<ExitCode> {
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const detail = await findRun(inspector, id, options.namespace);
    const runId = detail.run.runId;
    const [tasks, timers, inbox, children, actions] = await Promise.all([
      inspector.tasks(runId),
      inspector.timers(runId),
      inspector.inbox(runId),
      inspector.runs({ parentRunId: runId, limit: 20 }),
      inspector.auditLog({ runId, limit: 20 }),
    ]);
    if (options.json === true) {
      json({
        ...detail,
        tasks,
        timers,
        inbox,
        children: children.runs,
        moreChildren: children.next !== undefined,
        operatorActions: actions.entries,
      });
      return ExitCode.ok;
    }
    const now = Date.now();
    const run = detail.run;
    const c = style.colors;
    const lines: [string, string][] = [
      ["run", run.runId],
      ["workflow", `${run.workflowName} (version ${run.versionHash})`],
      ["workflow id", run.workflowId],
      ["namespace", run.namespace],
      ["status", colourStatus(style, run.status)],
      ["started", `${formatInstant(run.createdAt)} (${formatAge(run.createdAt, now)})`],
      ["updated", `${formatInstant(run.updatedAt)} (${formatAge(run.updatedAt, now)})`],
      ...(run.finishedAt === undefined
        ? []
        : [["finished", formatInstant(run.finishedAt)] as [string, string]]),
      ["history", `${run.lastSeq} event(s)`],
      [
        "lease",
        run.leaseOwner === undefined
          ? "none"
          : `${run.leaseOwner}, expires ${formatInstant(run.leaseExpiresAt)} (${formatAge(run.leaseExpiresAt, now)})`,
      ],
      ["ready", detail.ready ? "yes (waiting for an engine to step it)" : "no"],
      ...(detail.nextWakeAt === undefined
        ? []
        : [
            [
              "next wake-up",
              `${formatInstant(detail.nextWakeAt)} (${formatAge(detail.nextWakeAt, now)})`,
            ] as [string, string],
          ]),
      ...(detail.notBefore === undefined
        ? []
        : [["deferred until", formatInstant(detail.notBefore)] as [string, string]]),
      ...(run.parentRunId === undefined ? [] : [["parent", run.parentRunId] as [string, string]]),
      ...(detail.continuedFrom === undefined
        ? []
        : [["continued from", detail.continuedFrom] as [string, string]]),
      ...(run.continuedTo === undefined ? [] : [["continues to", run.continuedTo] as [string, string]]),
      ["input", truncate(displayText(run.input), 200)],
      ...(run.result === undefined
        ? []
        : [["result", truncate(displayText(run.result), 200)] as [string, string]]),
      ...(Object.keys(run.attributes).length === 0
        ? []
        : [["attributes", truncate(displayText(run.attributes), 200)] as [string, string]]),
    ];
    const width = Math.max(...lines.map(([label]) => label.length));
    out.stdout(lines.map(([label, value]) => `${c.dim(label.padEnd(width))}  ${value}\n`).join(""));
    if (run.error !== undefined) out.stdout(`\n${c.red("failure")}\n${formatError(run.error, "  ")}`);
    section(out, style, "activities", tasks.length, () =>
      formatTable(
        style,
        ["IDENTITY", "ACTIVITY", "STATUS", "ATTEMPT", "SCHEDULED", "HEARTBEAT", "LAST ERROR"],
        tasks.map((task) => [
          truncate(task.identity, 40),
          task.activityName,
          task.status,
          `${task.attempt}/${task.maxAttempts}`,
          formatInstant(task.scheduledAt),
          task.heartbeatAt === undefined ? "-" : formatAge(task.heartbeatAt, now),
          task.lastError === undefined
            ? "-"
            : truncate(`${task.lastError.code ?? task.lastError.name}: ${task.lastError.message}`, 60),
        ]),
      ),
    );
    section(out, style, "pending timers", timers.length, () =>
      formatTable(
        style,
        ["IDENTITY", "FIRES AT", ""],
        timers.map((timer) => [
          truncate(timer.identity, 40),
          formatInstant(timer.fireAt),
          formatAge(timer.fireAt, now),
        ]),
      ),
    );
    section(out, style, "inbox (not yet delivered)", inbox.length, () =>
      formatTable(
        style,
        ["ID", "KIND", "RECEIVED", "DATA"],
        inbox.map((item) => [
          String(item.id),
          item.kind,
          formatAge(item.receivedAt, now),
          truncate(displayText(item.data), 80),
        ]),
      ),
    );
    section(
      out,
      style,
      `children${children.next === undefined ? "" : " (first 20)"}`,
      children.runs.length,
      () =>
        formatTable(
          style,
          ["RUN ID", "WORKFLOW", "STATUS"],
          children.runs.map((child) => [child.runId, child.workflowName, colourStatus(style, child.status)]),
        ),
    );
    section(
      out,
      style,
      `operator actions${actions.next === undefined ? "" : " (latest 20: continuum audit-log --run)"}`,
      actions.entries.length,
      () =>
        formatTable(
          style,
          ["AT", "ACTOR", "ACTION", "RUN", "OUTCOME", "FROM", "DETAIL"],
          actions.entries.map((entry) => auditRow(entry, c)),
        ),
    );
    return ExitCode.ok;
  });
}

/** The run by run id, else the latest with that workflow id; RunNotFoundError otherwise. */
export async function findRun(
  inspector: Inspector,
  id: string,
  namespace: string | undefined,
): Promise<InspectedRunDetail> {
  const detail = await inspector.run(id, namespace === undefined ? {} : { namespace });
  if (detail === undefined) throw new RunNotFoundError(id);
  return detail;
}

/**
 * {@link findRun} for a command that changes the run (signal, cancel, terminate, retry): a
 * workflow id given without `--namespace` must name runs in one namespace only, since the same
 * id may be in use by several tenants and the latest of them is not necessarily the one meant.
 * Throws UsageError listing the namespaces otherwise.
 */
export async function findRunToChange(
  inspector: Inspector,
  id: string,
  namespace: string | undefined,
): Promise<InspectedRunDetail> {
  const detail = await findRun(inspector, id, namespace);
  if (namespace !== undefined || detail.run.runId === id) return detail;
  const namespaces = new Set<string>();
  let after: string | undefined;
  // Runs whose run id or workflow id starts with `id`: few pages, the prefix index serves it.
  do {
    const page = await inspector.runs({
      idPrefix: id,
      limit: 200,
      ...(after === undefined ? {} : { after }),
    });
    for (const run of page.runs) if (run.workflowId === id) namespaces.add(run.namespace);
    after = page.next;
  } while (after !== undefined && namespaces.size < 2);
  if (namespaces.size > 1)
    throw new UsageError(
      `workflow id ${JSON.stringify(id)} names runs in namespaces ${[...namespaces]
        .sort()
        .map((ns) => JSON.stringify(ns))
        .join(", ")}: ` + `pass --namespace to say which (or give the run id)`,
    );
  return detail;
}

function section(out: CliIo, style: OutputStyle, title: string, count: number, body: () => string): void {
  if (count === 0) return;
  out.stdout(`\n${style.colors.bold(title)}\n${body()}`);
}

/** A decoded value as one line of JSON (display form: dates, maps, bigints spelled out). */
export function displayText(value: unknown): string {
  return JSON.stringify(toDisplayJson(value)) ?? "undefined";
}

/** An error with its code, message, fix line and causes, indented. */
export function formatError(error: InspectedError, indent: string): string {
  const head = `${indent}${error.code === undefined ? error.name : `${error.code} (${error.name})`}: ${error.message}\n`;
  const fix = error.fix === undefined ? "" : `${indent}fix: ${error.fix}\n`;
  const cause =
    error.cause === undefined ? "" : `${indent}caused by:\n${formatError(error.cause, `${indent}  `)}`;
  return head + fix + cause;
}
