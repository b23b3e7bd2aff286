import type { Command } from "commander";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";
import { actorOption, cliOperator, type ActorOptions } from "./operator-session.ts";
import { findRunToChange } from "./runs-show.ts";

interface TerminateOptions extends JournalCommandOptions, ActorOptions {
  readonly namespace?: string;
  readonly reason?: string;
}

interface RetryOptions extends JournalCommandOptions, ActorOptions {
  readonly namespace?: string;
  readonly versionHash?: string;
}

/**
 * `continuum runs terminate <id>` and `continuum runs retry <id>`, through core's operator API
 * (audited: who, what, from which host).
 *
 * @example
 * ```sh
 * continuum runs terminate order-17 --reason "stuck on a removed version"
 * continuum runs retry order-17          # after the failing activity was fixed and deployed
 * ```
 */
export function runsRetryCommands(runs: Command, io: CliIo, result: CommandResult): void {
  actorOption(
    databaseOptions(
      runs
        .command("terminate")
        .argument("<id>", "a run id, or a workflow id (its latest run)")
        .description(
          "end a run as cancelled without running any more of its code (no compensations); audited",
        ),
    ),
  )
    .option("--reason <text>", "why, recorded in the run's history and the audit log")
    .option("--namespace <ns>", "look the workflow id up in this namespace (default: any)")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (id: string, options: TerminateOptions) => {
      result.code = await terminate(id, options, io);
    });
  actorOption(
    databaseOptions(
      runs
        .command("retry")
        .argument("<id>", "a failed run's id, or its workflow id (its latest run)")
        .description(
          "retry a failed run from its failure: a new run of the same workflow id replays the history " +
            "up to the last activity failure (completed activities are not run again) and runs the failed call again; audited",
        ),
    ),
  )
    .option(
      "--version-hash <hash>",
      "run the new run under this workflow version (after fixing the workflow code)",
    )
    .option("--namespace <ns>", "look the workflow id up in this namespace (default: any)")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (id: string, options: RetryOptions) => {
      result.code = await retry(id, options, io);
    });
}

async function terminate(id: string, options: TerminateOptions, io: CliIo): Promise<ExitCode> {
  return withJournal(io, options, async ({ journal, inspector, out, json }) => {
    const { run } = await findRunToChange(inspector, id, options.namespace);
    await cliOperator(journal, options, io).terminate(
      run.runId,
      options.reason === undefined ? {} : { reason: options.reason },
    );
    if (options.json === true)
      json({ runId: run.runId, workflowId: run.workflowId, requested: "termination" });
    else
      out.stdout(
        `termination requested for run ${run.runId} (workflow id ${run.workflowId}): it ends at its next step, ` +
          `or has ended already if no engine held it\n`,
      );
    return ExitCode.ok;
  });
}

async function retry(id: string, options: RetryOptions, io: CliIo): Promise<ExitCode> {
  return withJournal(io, options, async ({ journal, inspector, out, json }) => {
    const { run } = await findRunToChange(inspector, id, options.namespace);
    const done = await cliOperator(journal, options, io).retry(
      run.runId,
      options.versionHash === undefined ? {} : { versionHash: options.versionHash },
    );
    if (options.json === true) {
      json({
        runId: done.run.runId,
        workflowId: done.run.workflowId,
        retriedFrom: done.retriedFrom,
        copiedEvents: done.copiedEvents,
        rescheduled: done.rescheduled,
        timers: done.timers,
        carriedSignals: done.carriedSignals,
      });
      return ExitCode.ok;
    }
    out.stdout(
      `run ${done.run.runId} retries run ${done.retriedFrom} (workflow id ${done.run.workflowId}): ` +
        `${done.copiedEvents} events replayed, ${done.rescheduled.length} activity call(s) scheduled again` +
        (done.rescheduled.length === 0 ? "" : ` (${done.rescheduled.join(", ")})`) +
        (done.timers.length === 0 ? "" : `, ${done.timers.length} timer(s) set again`) +
        (done.carriedSignals === 0 ? "" : `, ${done.carriedSignals} later signal(s) carried over`) +
        "\n",
    );
    return ExitCode.ok;
  });
}
