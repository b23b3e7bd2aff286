import type { Command } from "commander";
import type { CliIo } from "../cli-io.ts";
import type { CommandResult } from "./command-support.ts";
import { runsActionCommands } from "./runs-actions.ts";
import { runsHistoryCommand } from "./runs-history.ts";
import { runsListCommand } from "./runs-list.ts";
import { runsShowCommand } from "./runs-show.ts";

/**
 * `continuum runs list|show|history|signal|cancel`: find runs, see one, read its history, and
 * act on it. Everything reads through core's read model (createInspector) and acts through
 * core's client: the CLI has no SQL of its own.
 */
export function runsCommand(program: Command, io: CliIo, result: CommandResult): void {
  const runs = program.command("runs").description("list, show, read the history of, signal and cancel runs");
  runsListCommand(runs, io, result);
  runsShowCommand(runs, io, result);
  runsHistoryCommand(runs, io, result);
  runsActionCommands(runs, io, result);
}
