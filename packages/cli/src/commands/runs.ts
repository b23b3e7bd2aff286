import type { Command } from "commander";
import type { CliIo } from "../cli-io.ts";
import type { CommandResult } from "./command-support.ts";
import { runsActionCommands } from "./runs-actions.ts";
import { runsHistoryCommand } from "./runs-history.ts";
import { runsListCommand } from "./runs-list.ts";
import { runsShowCommand } from "./runs-show.ts";
import { runsRetryCommands } from "./runs-retry.ts";

/**
 * `continuum runs list|show|history|signal|cancel|terminate|retry`: find runs, see one, read its
 * history, and act on it (actions are audited). Everything reads through core's read model (createInspector) and acts through
 * core's client: the CLI has no SQL of its own.
 */
export function runsCommand(program: Command, io: CliIo, result: CommandResult): void {
  const runs = program
    .command("runs")
    .description("list, show, read the history of, signal, cancel, terminate and retry runs");
  runsListCommand(runs, io, result);
  runsShowCommand(runs, io, result);
  runsHistoryCommand(runs, io, result);
  runsActionCommands(runs, io, result);
  runsRetryCommands(runs, io, result);
}
