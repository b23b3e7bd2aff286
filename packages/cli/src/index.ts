/**
 * The `continuum` command as a library: run it in process (tests, your own tooling).
 *
 * @example
 * ```ts
 * import { main } from "@continuum/cli";
 * process.exitCode = await main(["migrate", "--print"]);
 * ```
 */
export { main } from "./main.ts";
export { ExitCode, processIo, UsageError } from "./cli-io.ts";
export type { CliIo } from "./cli-io.ts";
