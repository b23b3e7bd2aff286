import { existsSync } from "node:fs";
import { join } from "node:path";

/** The package managers init can name an install command for. */
export type PackageManager = "npm" | "pnpm" | "yarn" | "bun";

const lockfiles: readonly (readonly [string, PackageManager])[] = [
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
  ["package-lock.json", "npm"],
];

/**
 * The app's package manager: the `packageManager` field of package.json (corepack's), else the
 * lockfile in `dir`, else npm.
 */
export function detectPackageManager(dir: string, packageManagerField: unknown): PackageManager {
  if (typeof packageManagerField === "string") {
    const name = packageManagerField.split("@")[0];
    if (name === "npm" || name === "pnpm" || name === "yarn" || name === "bun") return name;
  }
  return lockfiles.find(([file]) => existsSync(join(dir, file)))?.[1] ?? "npm";
}

/** The command that installs what package.json declares. */
export function installCommand(manager: PackageManager): string {
  return `${manager} install`;
}
