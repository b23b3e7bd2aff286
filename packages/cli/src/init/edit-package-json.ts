import { parseJsonc, setJsonc } from "./jsonc-edit.ts";
import type { Change } from "./edit-tsconfig.ts";

/** The version ranges init writes: Continuum's packages at this CLI's version, its toolchain pinned. */
export interface DependencyVersions {
  readonly continuum: string;
}

/**
 * What an app needs: the runtime, and at build time the transformer, ts-patch (which runs it
 * inside tsc) and TypeScript 6 (TypeScript 7 has no compiler API, so no transformers).
 */
export function wantedDependencies(versions: DependencyVersions): {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
} {
  return {
    dependencies: { "@continuum/core": `^${versions.continuum}` },
    devDependencies: {
      "@continuum/transformer": `^${versions.continuum}`,
      "ts-patch": "^4.0.1",
      typescript: "~6.0.3",
      "@types/node": "^24.0.0",
    },
  };
}

const sections = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const;

/**
 * Adds each wanted dependency the package.json does not declare in any section (a version the
 * team chose is kept), and a `prepare` script running `ts-patch install -s` (patches the
 * project's tsc so plain `tsc` applies the plugins) when there is no `prepare` script.
 * Returns the new text, what changed, and hints for what it would not change: among them a
 * package that is not `"type": "module"` (npm 11's `npm init -y` writes `"commonjs"`), where
 * the samples, which are ES modules, fail to compile and to run; init does not switch an
 * existing app's module type.
 */
export function addContinuumDependencies(
  text: string,
  file: string,
  versions: DependencyVersions,
): { text: string; changes: Change[]; hints: string[]; added: boolean } {
  const manifest = parseJsonc(text, file) as Record<string, unknown> | null;
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest))
    throw new Error(`${file} does not hold a JSON object`);
  const declared = new Set(
    sections.flatMap((section) => Object.keys((manifest[section] ?? {}) as Record<string, unknown>)),
  );
  const changes: Change[] = [];
  const hints: string[] = [];
  let out = text;
  const wanted = wantedDependencies(versions);
  let added = false;
  for (const section of ["dependencies", "devDependencies"] as const) {
    for (const [name, range] of Object.entries(wanted[section])) {
      if (declared.has(name)) continue;
      out = setJsonc(out, [section, name], range);
      changes.push(`${file}: added ${name}@${range} to ${section}`);
      added = true;
    }
  }
  const prepare = ((manifest.scripts ?? {}) as Record<string, unknown>).prepare;
  if (prepare === undefined) {
    out = setJsonc(out, ["scripts", "prepare"], "ts-patch install -s");
    changes.push(`${file}: added script prepare: "ts-patch install -s" (so plain tsc applies the plugins)`);
  } else if (typeof prepare !== "string" || !prepare.includes("ts-patch")) {
    hints.push(
      `your prepare script does not patch tsc: add "ts-patch install -s" to it, or build with tspc instead of tsc`,
    );
  }
  if (manifest.type !== "module") {
    hints.push(
      `package.json has ${manifest.type === undefined ? 'no "type"' : `"type": ${JSON.stringify(manifest.type)}`}, so tsc (NodeNext) and node read the samples, which are ES modules, as CommonJS: set "type": "module" (npm pkg set type=module)`,
    );
  }
  return { text: out, changes, hints, added };
}
