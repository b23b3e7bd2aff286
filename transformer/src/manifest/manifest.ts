import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { EffectSite, FileIdentities } from "../rewrite/compute-identities.ts";

/** One cursor in the manifest, with where it is written (`file:line:col`). */
export interface ManifestCursor {
  readonly cursor: string;
  readonly kind: string;
  readonly target: string;
  readonly at: string;
}

/** One workflow definition in the manifest. */
export interface ManifestWorkflow {
  readonly name: string | null;
  readonly version: number | null;
  readonly versionHash: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly cursors: readonly ManifestCursor[];
}

/** The manifest file (SPEC section 6): the input to deploy-safety checks. */
export interface Manifest {
  readonly format: 1;
  readonly generator: "@continuum/transformer";
  readonly workflows: readonly ManifestWorkflow[];
  readonly helpers: readonly { readonly file: string; readonly cursors: readonly ManifestCursor[] }[];
}

function cursorEntry(file: string, e: EffectSite): ManifestCursor {
  return { cursor: e.cursor, kind: e.kind, target: e.target, at: `${file}:${e.line}:${e.column}` };
}

/**
 * Builds the manifest from the identities of every workflow and pure file, sorted so the
 * output is byte-identical for the same sources.
 *
 * @example
 * ```ts
 * writeManifest("dist/continuum-manifest.json", buildManifest(files.map((sf) => computeIdentities(sf, rel(sf)))));
 * ```
 */
export function buildManifest(files: readonly FileIdentities[]): Manifest {
  const sorted = [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    format: 1,
    generator: "@continuum/transformer",
    workflows: sorted.flatMap((f) =>
      f.workflows.map((w) => ({
        name: w.name,
        version: w.version,
        versionHash: w.stamp.versionHash,
        file: f.file,
        line: w.line,
        column: w.column,
        cursors: w.effects.map((e) => cursorEntry(f.file, e)),
      })),
    ),
    helpers: sorted
      .filter((f) => f.helpers.length > 0)
      .map((f) => ({ file: f.file, cursors: f.helpers.map((e) => cursorEntry(f.file, e)) })),
  };
}

/** Writes the manifest when its content changed; returns true when the file was written. */
export function writeManifest(fileName: string, manifest: Manifest): boolean {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  try {
    if (readFileSync(fileName, "utf8") === text) return false;
  } catch {
    // missing: write it
  }
  mkdirSync(path.dirname(fileName), { recursive: true });
  writeFileSync(fileName, text);
  return true;
}

/** SPEC section 6: the `manifest` option, else the outDir, else next to the tsconfig. */
export function manifestPath(
  rootDir: string,
  option: string | false | undefined,
  outDir: string | undefined,
): string | undefined {
  if (option === false) return undefined;
  if (typeof option === "string") return path.resolve(rootDir, option);
  return path.join(outDir ?? rootDir, "continuum-manifest.json");
}
