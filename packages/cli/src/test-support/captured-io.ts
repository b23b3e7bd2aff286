import type { CliIo } from "../cli-io.ts";

/** A CliIo that records what a command writes. */
export function captured(
  env: Record<string, string | undefined> = {},
  cwd?: string,
): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    env,
    ...(cwd === undefined ? {} : { cwd }),
    out: () => out,
    err: () => err,
  };
}
