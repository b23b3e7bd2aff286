import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";
import { findRunToChange } from "./runs-show.ts";
import { actorOption, cliOperator, type ActorOptions } from "./operator-session.ts";

interface SignalOptions extends JournalCommandOptions, ActorOptions {
  readonly namespace?: string;
  readonly payload?: string;
  readonly payloadFile?: string;
  readonly deliveryId?: string;
}

interface CancelOptions extends JournalCommandOptions, ActorOptions {
  readonly namespace?: string;
  readonly force?: boolean;
  readonly reason?: string;
}

/**
 * `continuum runs signal <id> <name> --payload JSON` and `continuum runs cancel <id>`, sent
 * through core's operator API (createOperator): the same journal calls an app's client makes,
 * each recorded in the audit log (actor, host; a signal's name and size, never its payload).
 *
 * @example
 * ```sh
 * continuum runs signal order-17 fraud_review --payload '"approved"'
 * continuum runs cancel order-17 --reason "customer asked" [--force]
 * ```
 */
export function runsActionCommands(runs: Command, io: CliIo, result: CommandResult): void {
  actorOption(
    databaseOptions(
      runs
        .command("signal")
        .argument("<id>", "a run id, or a workflow id (its latest run)")
        .argument("<name>", "the signal's name")
        .description(
          "send a signal to a run (the payload is JSON, checked before anything is sent); audited",
        ),
    ),
  )
    .option("--payload <json>", "the payload as JSON (default: no payload)")
    .option("--payload-file <path>", "read the JSON payload from this file (- for stdin is not supported)")
    .option("--delivery-id <id>", "deduplication key: a repeated send with the same id is stored once")
    .option("--namespace <ns>", "look the workflow id up in this namespace (default: any)")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (id: string, name: string, options: SignalOptions) => {
      result.code = await signal(id, name, options, io);
    });
  actorOption(
    databaseOptions(
      runs
        .command("cancel")
        .argument("<id>", "a run id, or a workflow id (its latest run)")
        .description(
          "ask a run to cancel (its code handles it); --force terminates it without running its code; audited",
        ),
    ),
  )
    .option("--reason <text>", "why, recorded in the run's history")
    .option("--force", "terminate: end the run at its next step, running none of its code (no compensations)")
    .option("--namespace <ns>", "look the workflow id up in this namespace (default: any)")
    .option("--json", "print the outcome as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (id: string, options: CancelOptions) => {
      result.code = await cancel(id, options, io);
    });
}

async function signal(id: string, name: string, options: SignalOptions, io: CliIo): Promise<ExitCode> {
  let payload: unknown;
  try {
    payload = await readPayload(options, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ journal, inspector, out, json }) => {
    const { run } = await findRunToChange(inspector, id, options.namespace);
    const { accepted } = await cliOperator(journal, options, io).signal(
      run.runId,
      name,
      payload,
      options.deliveryId === undefined ? {} : { deliveryId: options.deliveryId },
    );
    if (options.json === true) json({ runId: run.runId, workflowId: run.workflowId, signal: name, accepted });
    else
      out.stdout(
        accepted
          ? `signal ${JSON.stringify(name)} sent to run ${run.runId} (workflow id ${run.workflowId})\n`
          : `signal ${JSON.stringify(name)} already delivered with delivery id ${JSON.stringify(options.deliveryId)}: not sent again\n`,
      );
    return ExitCode.ok;
  });
}

async function cancel(id: string, options: CancelOptions, io: CliIo): Promise<ExitCode> {
  return withJournal(io, options, async ({ journal, inspector, out, json }) => {
    const { run } = await findRunToChange(inspector, id, options.namespace);
    const operator = cliOperator(journal, options, io);
    const reason = options.reason === undefined ? {} : { reason: options.reason };
    if (options.force === true) await operator.terminate(run.runId, reason);
    else await operator.cancel(run.runId, reason);
    const what = options.force === true ? "termination" : "cancellation";
    // A forced cancel of a run no engine holds ends it in the journal at once; otherwise the
    // request waits in the run's inbox for its next step.
    const after = (await inspector.run(run.runId))?.run.status ?? run.status;
    const ended = after !== run.status && after === "cancelled";
    if (options.json === true)
      json({
        runId: run.runId,
        workflowId: run.workflowId,
        requested: what,
        status: after,
      });
    else if (ended)
      out.stdout(`run ${run.runId} (workflow id ${run.workflowId}) terminated: no engine held it\n`);
    else
      out.stdout(
        `${what} requested for run ${run.runId} (workflow id ${run.workflowId}); it takes effect at the run's next step\n`,
      );
    return ExitCode.ok;
  });
}

/** The payload flag or file, parsed as JSON; a UsageError names where the JSON is wrong. */
async function readPayload(options: SignalOptions, io: CliIo): Promise<unknown> {
  if (options.payload !== undefined && options.payloadFile !== undefined)
    throw new UsageError("give --payload or --payload-file, not both");
  let text = options.payload;
  let source = "--payload";
  if (options.payloadFile !== undefined) {
    const path = resolve(io.cwd ?? process.cwd(), options.payloadFile);
    source = `--payload-file ${path}`;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${source} is not valid JSON (${reason}); quote text as JSON, e.g. --payload '"approved"' or --payload '{"by":"ann"}'`,
    );
  }
}
