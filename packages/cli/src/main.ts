#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { processIo, type CliIo, type ExitCode } from "./cli-io.ts";
import { runProgram } from "./program.ts";

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
  return runProgram(argv, io);
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
