import { spawn, type ChildProcess } from "node:child_process";

/** A real child process whose stdout lines a test can wait for. */
export interface ManagedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly output: string[];
  /** Resolves with the first line matching `pattern` (including lines already printed). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
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
    waitForLine(pattern, timeoutMs) {
      const seen = output.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; output:\n${output.slice(-30).join("\n")}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
