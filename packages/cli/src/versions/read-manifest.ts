import { readFile } from "node:fs/promises";
import { InvalidManifestError } from "@continuum/core";

/** One cursor of a workflow in the transformer's manifest (transformer/SPEC.md section 6). */
export interface ManifestCursorEntry {
  readonly cursor: string;
  readonly kind: string;
  readonly target: string;
  /** `file:line:col` of the call. */
  readonly at: string;
}

/** One workflow definition in the manifest. */
export interface ManifestWorkflowEntry {
  readonly name: string | null;
  readonly version: number | null;
  readonly versionHash: string;
  readonly file: string;
  readonly line: number;
  /** Every stamped effect call of the body, in source order. */
  readonly cursors: readonly ManifestCursorEntry[];
}

/** The manifest a build writes: every workflow's name, version, version hash and cursors. */
export interface BuildManifest {
  readonly format: 1;
  readonly workflows: readonly ManifestWorkflowEntry[];
}

/**
 * Reads and checks a manifest written by the transformer (`continuum-manifest.json`). Only the
 * fields the deploy-safety check needs are checked; unknown fields are ignored.
 *
 * @example
 * ```ts
 * const manifest = await readManifest("dist/continuum-manifest.json");
 * ```
 */
export async function readManifest(path: string): Promise<BuildManifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InvalidManifestError(path, `cannot be read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidManifestError(path, `is not JSON (${(error as Error).message})`);
  }
  return checkManifest(path, parsed);
}

/** Checks the shape of a parsed manifest; throws InvalidManifestError naming the first problem. */
export function checkManifest(path: string, value: unknown): BuildManifest {
  const fail = (problem: string): never => {
    throw new InvalidManifestError(path, problem);
  };
  if (value === null || typeof value !== "object") return fail("is not an object");
  const manifest = value as { format?: unknown; workflows?: unknown };
  if (manifest.format !== 1)
    return fail(`has format ${String(manifest.format)}; this continuum reads format 1`);
  if (!Array.isArray(manifest.workflows)) return fail("has no workflows list");
  const workflows = manifest.workflows.map((entry: unknown, index): ManifestWorkflowEntry => {
    const w = (entry ?? {}) as Record<string, unknown>;
    const where = `workflows[${index}]`;
    if (w.name !== null && typeof w.name !== "string") fail(`${where}.name is neither a string nor null`);
    if (w.version !== null && typeof w.version !== "number")
      fail(`${where}.version is neither a number nor null`);
    if (typeof w.versionHash !== "string" || w.versionHash === "") fail(`${where}.versionHash is missing`);
    if (!Array.isArray(w.cursors)) fail(`${where}.cursors is missing`);
    const cursors = (w.cursors as unknown[]).map((c, i): ManifestCursorEntry => {
      const cursor = (c ?? {}) as Record<string, unknown>;
      if (typeof cursor.cursor !== "string") fail(`${where}.cursors[${i}].cursor is missing`);
      return {
        cursor: cursor.cursor as string,
        kind: typeof cursor.kind === "string" ? cursor.kind : "",
        target: typeof cursor.target === "string" ? cursor.target : "",
        at: typeof cursor.at === "string" ? cursor.at : "",
      };
    });
    return {
      name: w.name as string | null,
      version: w.version as number | null,
      versionHash: w.versionHash as string,
      file: typeof w.file === "string" ? w.file : "",
      line: typeof w.line === "number" ? w.line : 0,
      cursors,
    };
  });
  return { format: 1, workflows };
}
