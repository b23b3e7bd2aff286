import { SingleBar } from "cli-progress";
import type { CliIo } from "../cli-io.ts";

/** Progress of `continuum cleanup --execute`. */
export interface CleanupProgress {
  update(deletedRuns: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr when both stdout and stderr are terminals, else one line per batch
 * on stderr (logs and CI keep a trace; stdout stays for the totals or --json, with or without
 * --json).
 *
 * cli-progress draws the bar: it handles redraw throttling, terminal width, ETA and cleanup of
 * the line on stop, which a hand-written `\r` loop gets wrong on narrow or resized terminals.
 * `total` is the dry run's count taken just before; runs that crossed the cutoff meanwhile may
 * push the count past it, so the total grows with it rather than showing more than 100%.
 */
export function startCleanupProgress(io: CliIo, total: number): CleanupProgress {
  if (io.isTTY === true && process.stderr.isTTY === true) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: "deleting runs [{bar}] {percentage}% | {value}/{total} runs | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: false,
    });
    bar.start(Math.max(total, 1), 0);
    return {
      update(deleted) {
        if (deleted > bar.getTotal()) bar.setTotal(deleted);
        bar.update(deleted);
      },
      stop: () => bar.stop(),
    };
  }
  return {
    update: (deleted) => io.stderr(`deleted ${deleted}/${Math.max(total, deleted)} runs\n`),
    stop: () => {},
  };
}
