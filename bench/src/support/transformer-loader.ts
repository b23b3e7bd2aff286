import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The transformer's node loader, as a user's app runs it: `node --import @continuum/transformer/register app.ts`. */
export const transformerLoader = "@continuum/transformer/register";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Makes a bench entry point run under the transformer's loader (its workflows are compiled
 * when loaded, as a user's are): when this process was started without it, runs `entry` again
 * in a child with `--import @continuum/transformer/register` from the bench directory (whose
 * package.json holds the loader options), with the same arguments, and exits with its status.
 * Call it first thing in the entry's body; `env` is added to the child's environment.
 *
 * @example
 * ```ts
 * runUnderTransformerLoader(import.meta.url);
 * ```
 */
export function runUnderTransformerLoader(entry: string, env: Record<string, string> = {}): void {
  if (process.execArgv.includes(transformerLoader)) return;
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      "--no-deprecation",
      "--import",
      transformerLoader,
      fileURLToPath(entry),
      ...process.argv.slice(2),
    ],
    { cwd: benchDir, stdio: "inherit", env: { ...process.env, ...env } },
  );
  process.exit(child.status ?? 1);
}
