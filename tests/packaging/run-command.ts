import { spawn } from "node:child_process";

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  readonly cwd: string;
  /** Replaces the environment entirely (so a variable can be left out on purpose). */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Runs a real process to completion without blocking the test worker, collecting its output.
 * Never rejects on a non-zero exit: the caller asserts on `code` and shows the output.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The output of a command, labelled, for an assertion message. */
export function describeResult(label: string, result: CommandResult): string {
  return `${label} exited with ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
