import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ExitCode, UsageError, type CliIo } from "./cli-io.ts";
import type { CommandResult } from "./commands/command-support.ts";
import { redactingIo } from "./database-url.ts";
import { initCommand } from "./commands/init.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { versionsCommand } from "./commands/versions-check.ts";
import { auditCommand } from "./commands/audit.ts";
import { cleanupCommand } from "./commands/cleanup.ts";
import { partitionsCommand } from "./commands/partitions.ts";
import { replayCommand } from "./commands/replay.ts";
import { completionCommand } from "./commands/completion.ts";
import { applyConfig, applyNamespaceScope, loadConfig } from "./config-file.ts";
import { healthCommand } from "./commands/health.ts";
import { runsCommand } from "./commands/runs.ts";
import { workflowsCommand } from "./commands/workflows.ts";
import { repairCommand } from "./commands/repair.ts";
import { auditLogCommand } from "./commands/audit-log.ts";
import { queuesCommand } from "./commands/queues.ts";
import { schedulesCommand } from "./commands/schedules.ts";
import { observerCommand, type ObserverStop } from "./commands/observer.ts";

const packageVersion = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/**
 * Builds the commander program for one invocation, writing through `io` and never exiting the
 * process (commander's exits become exit codes: help and --version 0, a usage mistake 2).
 */
export function buildProgram(io: CliIo, result: CommandResult, stop: ObserverStop = {}): Command {
  // Commander's own messages (usage errors, suggestions) are redacted too: an argument it echoes
  // could be a connection string typed in the wrong place.
  const shown = redactingIo(io, undefined);
  const output = { writeOut: shown.stdout, writeErr: shown.stderr };
  const program = new Command("continuum")
    .description("Continuum: durable execution for TypeScript. Operate the journal and set up apps.")
    .version(packageVersion, "-V, --version")
    .configureOutput(output)
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError(true)
    .option("--config <path>", "config file (default: ./continuum.config.json or .js if present)")
    .exitOverride();
  // Defaults from the config file, for options the command line left unset.
  program.hook("preAction", async (root, action) => {
    const found = await loadConfig(root.opts<{ config?: string }>().config, io.cwd ?? process.cwd());
    if (found !== undefined) applyConfig(action, found.config, io.env);
    applyNamespaceScope(action, io.env);
  });
  initCommand(program, io, result);
  migrateCommand(program, io, result);
  versionsCommand(program, io, result);
  runsCommand(program, io, result);
  workflowsCommand(program, io, result);
  queuesCommand(program, io, result);
  schedulesCommand(program, io, result);
  healthCommand(program, io, result);
  auditCommand(program, io, result);
  repairCommand(program, io, result);
  auditLogCommand(program, io, result);
  cleanupCommand(program, io, result);
  partitionsCommand(program, io, result);
  replayCommand(program, io, result);
  completionCommand(program, io, result);
  observerCommand(program, io, result, stop);
  // Subcommands inherit the output and the exit override.
  for (const command of program.commands) {
    command.configureOutput(output).exitOverride();
    for (const sub of command.commands) sub.configureOutput(output).exitOverride();
  }
  return program;
}

/** Parses `argv` (without node and script) and runs the chosen command; resolves to its exit code. */
export async function runProgram(
  argv: readonly string[],
  io: CliIo,
  stop: ObserverStop = {},
): Promise<ExitCode> {
  const result: CommandResult = { code: ExitCode.ok };
  const program = buildProgram(io, result, stop);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return result.code;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      return ExitCode.usage;
    }
    if (!(error instanceof CommanderError)) throw error;
    // help and --version end through the override too, with exit code 0
    if (error.exitCode === 0) return ExitCode.ok;
    return error.code === "commander.executeSubCommandAsync" ? ExitCode.failed : ExitCode.usage;
  }
}
