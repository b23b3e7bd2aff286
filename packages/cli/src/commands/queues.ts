import type { Command } from "commander";
import type { RunQueueInfo } from "@continuum/core";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { formatTable } from "../output/format-table.ts";
import { formatInstant } from "../output/format-time.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

/**
 * `continuum queues list`: every named queue with its backlog, the runs holding its slots, its
 * limits and the activity attempts routed to it (waiting, running); then, for partitioned
 * queues, the backlog and running runs per partition key.
 *
 * @example
 * ```sh
 * continuum queues list --json
 * ```
 */
export function queuesCommand(program: Command, io: CliIo, result: CommandResult): void {
  const queues = program.command("queues").description("named run queues (defineQueue)");
  databaseOptions(
    queues.command("list").description("list run queues with their backlog, running runs and limits"),
  )
    .option("--json", "print the list as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: JournalCommandOptions) => {
      result.code = await listQueues(options, io);
    });
}

async function listQueues(options: JournalCommandOptions, io: CliIo): Promise<ExitCode> {
  return withJournal(io, options, async ({ inspector, out, style, json }) => {
    const list = await inspector.queues();
    if (options.json === true) {
      json(list);
      return ExitCode.ok;
    }
    const c = style.colors;
    out.stdout(
      formatTable(
        style,
        [
          "QUEUE",
          "BACKLOG",
          "RUNNING",
          "CONCURRENCY",
          "PER ENGINE",
          "RATE LIMIT",
          "PRIORITY",
          "OLDEST QUEUED",
          "ACTIVITIES",
        ],
        list.map((q) => [
          q.name,
          q.backlog === 0 ? c.dim("0") : c.yellow(String(q.backlog)),
          q.running === 0 ? c.dim("0") : c.blue(String(q.running)),
          q.concurrency === undefined ? c.dim("-") : String(q.concurrency),
          q.perEngineConcurrency === undefined ? c.dim("-") : String(q.perEngineConcurrency),
          rateLimit(q),
          String(q.defaultPriority ?? 0),
          q.oldestQueuedAt === undefined ? c.dim("-") : formatInstant(q.oldestQueuedAt),
          q.activities.waiting + q.activities.running === 0
            ? c.dim("-")
            : `${q.activities.waiting} waiting, ${q.activities.running} running`,
        ]),
      ),
    );
    // Partitioned queues: their limits hold per key, so the backlog is shown per key too.
    const partitions = list.flatMap((q) => (q.partitions ?? []).map((p) => ({ queue: q.name, ...p })));
    if (partitions.length > 0)
      out.stdout(
        `\n${formatTable(
          style,
          ["QUEUE", "PARTITION", "BACKLOG", "RUNNING"],
          partitions.map((p) => [
            p.queue,
            p.key,
            p.backlog === 0 ? c.dim("0") : c.yellow(String(p.backlog)),
            p.running === 0 ? c.dim("0") : c.blue(String(p.running)),
          ]),
        )}`,
      );
    if (list.length === 0) out.stderr("no queues defined yet\n");
    return ExitCode.ok;
  });
}

/** `used/limit per period`, e.g. `12/100 per 60s`. */
function rateLimit(queue: RunQueueInfo): string {
  if (queue.rateLimit === undefined) return "-";
  const { limit, periodMs } = queue.rateLimit;
  const period = periodMs % 1000 === 0 ? `${periodMs / 1000}s` : `${periodMs}ms`;
  return `${queue.dequeuedInPeriod}/${limit} per ${period}`;
}
