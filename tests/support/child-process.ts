import { spawn, type ChildProcess } from "node:child_process";

/** A real child process whose stdout lines a test can wait for. */
export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly output: string[];
  /**
   * Resolves with the first line matching `pattern` (including lines already printed); rejects,
   * with the last lines of output, if the process exits first. There is no timer: a busy machine
   * may take long, and the test runner's timeout catches a process that hangs.
   */
  waitForLine(pattern: RegExp): Promise<string>;
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node <script>` with the running Node binary (Node 24 strips the types), collecting
 * stdout lines and stderr.
 */
export function startNodeProcess(script: string, env: Record<string, string>): ManagedProcess {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      output.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) =>
    output.push(
      ...chunk
        .trimEnd()
        .split("\n")
        .map((l) => `[stderr] ${l}`),
    ),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, sig) => resolve({ code, signal: sig })),
  );
  return {
    pid: child.pid ?? -1,
    child,
    output,
    exited,
    signal: (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
    waitForLine(pattern) {
      const seen = output.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        void exited.then(({ code, signal }) => {
          if (!waiters.delete(waiter)) return;
          reject(
            new Error(
              `exited (${signal ?? `code ${code}`}) before printing a line matching ${pattern}; output:\n${output.slice(-30).join("\n")}`,
            ),
          );
        });
      });
    },
  };
}
