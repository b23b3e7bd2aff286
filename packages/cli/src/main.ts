#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ExitCode, processIo, type CliIo } from "./cli-io.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { versionsCheckCommand, versionsCheckUsage } from "./commands/versions-check.ts";

/** Every subcommand: one file per command in ./commands. */
const commands: Readonly<Record<string, (argv: readonly string[], io: CliIo) => Promise<ExitCode>>> = {
  migrate: migrateCommand,
  versions: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub === "check") return versionsCheckCommand(rest, io);
    (sub === undefined || sub === "--help" ? io.stdout : io.stderr)(
      sub === undefined || sub === "--help"
        ? versionsCheckUsage
        : `unknown subcommand: versions ${sub}\n\n${versionsCheckUsage}`,
    );
    return sub === "--help" ? ExitCode.ok : ExitCode.usage;
  },
};

const usage = `Usage: continuum <command> [options]

Commands:
  migrate         apply (or --print) the journal's schema migrations
  versions check  compare a build's manifest with the live runs (deploy safety)

Run \`continuum <command> --help\` for a command's options.
`;

/**
 * The `continuum` command line. Returns the exit code instead of exiting, so tests run it in
 * process.
 *
 * @example
 * ```ts
 * process.exitCode = await main(["migrate", "--print"]);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(usage);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr(`unknown command: ${name}\n\n${usage}`);
    return ExitCode.usage;
  }
  return command(rest, io);
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
