import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describeResult, runCommand } from "./run-command.ts";

/** The fields of a package.json this suite reads. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, unknown>>;
  readonly bin?: Readonly<Record<string, string>>;
  readonly main?: string;
  readonly types?: string;
  readonly engines?: Readonly<Record<string, string>>;
  readonly license?: string;
  readonly [field: string]: unknown;
}

/** A public workspace package, as found in the repository. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** A package after `pnpm pack`: its tarball and what is inside it. */
export interface PackedPackage extends WorkspacePackage {
  readonly tarball: string;
  /** The package.json as packed (publishConfig applied). */
  readonly packed: Manifest;
  /** Where the tarball was unpacked, for inspection. */
  readonly unpackedDir: string;
  /** Every file in the tarball, relative to the package root. */
  readonly files: readonly string[];
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/**
 * Every public (non-private) package of the workspace: packages/* and transformer/. Found by
 * looking, so a package added later is packed and installed by this suite without an edit here.
 */
export function findPublicPackages(root: string): WorkspacePackage[] {
  const dirs = [
    ...readdirSync(join(root, "packages")).map((name) => join(root, "packages", name)),
    join(root, "transformer"),
  ].filter((dir) => existsSync(join(dir, "package.json")));
  return dirs
    .map((dir) => ({ dir, manifest: readManifest(dir) }))
    .filter((pkg) => pkg.manifest.private !== true);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Refuses to pack a package whose build is missing or older than its sources. The suite packs
 * with `--ignore-scripts` on purpose: its prepack (a rebuild) would rewrite dist/ under the
 * other suites that load it meanwhile (the transformer's); `pnpm test` builds first.
 */
export function assertBuilt(pkg: WorkspacePackage, root: string): void {
  if (pkg.manifest.scripts?.["build"] === undefined) return;
  const where = relative(root, pkg.dir);
  const dist = join(pkg.dir, "dist");
  const fix = "run `pnpm run build` first (`pnpm test` does)";
  if (!existsSync(dist)) throw new Error(`${where}/dist does not exist: ${fix}`);
  if (newestMtime(join(pkg.dir, "src")) > newestMtime(dist))
    throw new Error(`${where}/dist is older than ${where}/src: ${fix}`);
}

/** `pnpm pack` of each package into `destination`, each tarball unpacked beside it. */
export async function packPackages(
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<PackedPackage[]> {
  const packed: PackedPackage[] = [];
  for (const pkg of packages) {
    const before = new Set(readdirSync(destination));
    const result = await runCommand("pnpm", ["pack", "--ignore-scripts", "--pack-destination", destination], {
      cwd: pkg.dir,
      env: process.env,
    });
    if (result.code !== 0) throw new Error(describeResult(`pnpm pack in ${pkg.dir}`, result));
    const tarball = readdirSync(destination).find((f) => f.endsWith(".tgz") && !before.has(f));
    if (tarball === undefined) throw new Error(`pnpm pack in ${pkg.dir} wrote no tarball`);
    const unpackedDir = join(destination, tarball.replace(/\.tgz$/, ""));
    mkdirSync(unpackedDir);
    const untar = await runCommand("tar", ["-xzf", join(destination, tarball), "-C", unpackedDir], {
      cwd: destination,
      env: process.env,
    });
    if (untar.code !== 0) throw new Error(describeResult(`tar -xzf ${tarball}`, untar));
    const root = join(unpackedDir, "package");
    const files = readdirSync(root, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)))
      .sort();
    packed.push({
      ...pkg,
      tarball: join(destination, tarball),
      packed: readManifest(root),
      unpackedDir: root,
      files,
    });
  }
  return packed;
}

/** Every file path a packed manifest points at (exports targets, bin, main, types). */
export function manifestTargets(manifest: Manifest): string[] {
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === "string") targets.push(value);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  collect(manifest.bin);
  collect(manifest.main);
  collect(manifest.types);
  return targets.map((target) => target.replace(/^\.\//, ""));
}

/** `import type` specifiers of every export with a `types` condition, e.g. `@continuum/core/testing`. */
export function typedEntryPoints(manifest: Manifest): string[] {
  return Object.entries(manifest.exports ?? {})
    .filter(([, target]) => target !== null && typeof target === "object" && "types" in target)
    .map(([subpath]) => (subpath === "." ? manifest.name : `${manifest.name}${subpath.slice(1)}`));
}

/** Every subpath a user can import at run time (the package.json itself left out). */
export function runtimeEntryPoints(manifest: Manifest): string[] {
  return Object.keys(manifest.exports ?? {})
    .filter((subpath) => subpath !== "./package.json")
    .map((subpath) => (subpath === "." ? manifest.name : `${manifest.name}${subpath.slice(1)}`));
}

/** Peer dependencies the package marks optional (an entry point may need one that is absent). */
export function optionalPeerDependencies(manifest: Manifest): string[] {
  const meta = (manifest["peerDependenciesMeta"] ?? {}) as Record<string, { optional?: boolean }>;
  return Object.entries(meta)
    .filter(([, entry]) => entry.optional === true)
    .map(([name]) => name);
}
