import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  ReplayDriftError,
  type AnyWorkflowDefinition,
  type HistoryEvent,
  type Journal,
} from "@continuum/core";
import { replayHistory } from "@continuum/core/testing";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo, type DriftExitCode } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface ReplayOptions extends JournalCommandOptions {
  readonly workflows?: string[];
  readonly namespace?: string;
}

/** Exit code of `continuum replay` when the code drifted from the recorded history. */
export const driftExitCode: DriftExitCode = 3;

const description = `replay a recorded run against your current build's workflow code

Loads the workflow definitions exported by --workflows (built JavaScript modules: the files
your build emits, transformed by @continuum/transformer; every export that is a workflow
definition counts, arrays of them too), reads the run's whole history from the journal and
replays it with the definition of the run's workflow name, exactly as an engine would after a
deploy. Nothing is written: activities are not called, their recorded results are used.

Exit code 0 when the code reproduces the history, ${driftExitCode} when it drifted (both call sites
are printed: where the recorded effect was issued and where the code now issues another), 1
when the run or its workflow cannot be found or the code throws, 2 on a usage mistake.`;

/**
 * `continuum replay <run-id>`: time-travel debugging of a production run on a laptop.
 *
 * @example
 * ```sh
 * continuum replay order-17 --workflows dist/workflows/index.js
 * ```
 */
export function replayCommand(program: Command, io: CliIo, result: CommandResult): void {
  databaseOptions(
    program
      .command("replay")
      .summary("replay a recorded run against the current build's workflow code")
      .description(description)
      .argument("<run>", "run id or workflow id (its latest run)"),
  )
    .option(
      "--workflows <module>",
      "built module exporting workflow definitions (repeat for several)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--namespace <name>", "namespace in which <run> is looked up as a workflow id", "default")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (run: string, options: ReplayOptions) => {
      result.code = await replay(run, options, io);
    });
}

async function replay(id: string, options: ReplayOptions, io: CliIo): Promise<ExitCode> {
  const modules = options.workflows ?? [];
  if (modules.length === 0) {
    io.stderr("error: give --workflows MODULE (or `workflows` in continuum.config.json)\n");
    return ExitCode.usage;
  }
  let definitions: AnyWorkflowDefinition[];
  try {
    definitions = await loadWorkflows(modules, io.cwd ?? process.cwd());
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? ExitCode.usage : ExitCode.failed;
  }
  let drifted = false;
  const code = await withJournal(io, options, async ({ journal, out, style, json }) => {
    const run = (await journal.getRun(id)) ?? (await journal.getRunByWorkflowId(namespaceOf(options), id));
    if (run === undefined) {
      out.stderr(`error: no run with id or workflow id ${JSON.stringify(id)}\n`);
      return ExitCode.failed;
    }
    const candidates = definitions.filter((d) => d.name === run.workflowName);
    const definition =
      candidates.find((d) => d.stamp?.versionHash === run.versionHash) ??
      [...candidates].sort((a, b) => b.version - a.version)[0];
    if (definition === undefined) {
      out.stderr(
        `error: the modules export no workflow named ${JSON.stringify(run.workflowName)} ` +
          `(they export: ${[...new Set(definitions.map((d) => d.name))].join(", ") || "none"})\n`,
      );
      return ExitCode.failed;
    }
    const history = await readWholeHistory(journal, run.runId);
    const c = style.colors;
    const sameVersion = definition.stamp?.versionHash === run.versionHash;
    try {
      await replayHistory(definition, history, { runId: run.runId, workflowId: run.workflowId });
    } catch (error) {
      if (!(error instanceof ReplayDriftError)) throw error;
      drifted = true;
      const { drift, recorded, current } = error.data;
      if (options.json === true) json({ runId: run.runId, drift, recorded, current, events: history.length });
      else
        out.stdout(
          `${c.red("DRIFT")} (${drift}) replaying run ${run.runId} (${run.workflowName}, ${history.length} events)\n` +
            `  recorded: ${side(recorded)}\n` +
            `  code now: ${side(current)}\n` +
            `${sameVersion ? "" : `  note: the run started on version ${run.versionHash}; this build has ${definition.stamp?.versionHash ?? "no stamp"}\n`}`,
        );
      return ExitCode.ok;
    }
    if (options.json === true)
      json({
        runId: run.runId,
        drift: null,
        events: history.length,
        versionHash: definition.stamp?.versionHash,
      });
    else
      out.stdout(
        `${c.green("OK")}: run ${run.runId} (${run.workflowName}) replays on this build: ${history.length} events reproduced` +
          `${sameVersion ? "" : ` (the run started on version ${run.versionHash}, this build is ${definition.stamp?.versionHash ?? "unstamped"})`}\n`,
      );
    return ExitCode.ok;
  });
  return code === ExitCode.ok && drifted ? driftExitCode : code;
}

function side(s: { effect: string; identity?: string; seq?: number; location?: string } | undefined): string {
  if (s === undefined) return "nothing";
  return [
    s.effect,
    s.identity === undefined ? "" : ` [${s.identity}]`,
    s.seq === undefined ? "" : ` (seq ${s.seq})`,
    s.location === undefined ? "" : ` at ${s.location}`,
  ].join("");
}

function namespaceOf(options: ReplayOptions): string {
  return options.namespace ?? "default";
}

async function readWholeHistory(journal: Journal, runId: string): Promise<HistoryEvent[]> {
  const inspector = journal.inspector;
  if (inspector === undefined) return journal.readHistory(runId);
  const events: HistoryEvent[] = [];
  let afterSeq: number | undefined = 0;
  while (afterSeq !== undefined) {
    const page: { events: readonly HistoryEvent[]; nextAfterSeq?: number } = await inspector.readHistoryPage(
      runId,
      { afterSeq, limit: 5000 },
    );
    events.push(...page.events);
    afterSeq = page.nextAfterSeq;
  }
  return events;
}

/** Imports each module and collects the workflow definitions it exports (arrays of them too). */
export async function loadWorkflows(
  modules: readonly string[],
  cwd: string,
): Promise<AnyWorkflowDefinition[]> {
  const found: AnyWorkflowDefinition[] = [];
  for (const module of modules) {
    const path = resolve(cwd, module);
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(
        `cannot load --workflows ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    for (const value of Object.values(exports))
      for (const item of Array.isArray(value) ? value : [value])
        if (isWorkflowDefinition(item) && !found.includes(item)) found.push(item);
  }
  if (found.length === 0) throw new UsageError(`no workflow definitions exported by ${modules.join(", ")}`);
  return found;
}

function isWorkflowDefinition(value: unknown): value is AnyWorkflowDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "workflow" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}
