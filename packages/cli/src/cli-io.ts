/** What a command may touch: its output streams, the environment and the working directory (injected for tests). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are taken from; default `process.cwd()`. */
  readonly cwd?: string;
  /** stdout is a terminal: tables and colours (unless NO_COLOR); otherwise tab-separated text. */
  readonly isTTY?: boolean;
}

/** Exit codes: 0 success, 1 the command failed, 2 it was called wrongly. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
/** `continuum audit`'s exit codes: 10 + the rank of the most serious failing check (see auditExitCodes). */
export type AuditExitCode = 10 | 11 | 12 | 13 | 14 | 15 | 16;
/** `continuum replay`: the code drifted from the recorded history. */
export type DriftExitCode = 3;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode] | AuditExitCode | DriftExitCode;

/** The process's own streams and environment. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
};

/** A usage mistake found after parsing (a missing or conflicting option): exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
