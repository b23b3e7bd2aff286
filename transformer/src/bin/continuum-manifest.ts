#!/usr/bin/env node
import path from "node:path";
import ts from "typescript";
import { buildManifest, manifestPath, writeManifest } from "../manifest/manifest.ts";
import { programIdentities, optionsForProgram } from "../tspc/program-files.ts";

/**
 * `continuum-manifest -p tsconfig.json [--out file]`: writes the manifest of a project without
 * compiling it (parse only, no type check), for deploy-safety checks in CI.
 */
function main(argv: readonly string[]): number {
  const projectIndex = argv.findIndex((a) => a === "-p" || a === "--project");
  const outIndex = argv.indexOf("--out");
  const project = path.resolve(
    projectIndex >= 0 ? (argv[projectIndex + 1] ?? "tsconfig.json") : "tsconfig.json",
  );
  const parsed = ts.getParsedCommandLineOfConfigFile(
    project,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!parsed) {
    process.stderr.write(`continuum-manifest: cannot read ${project}\n`);
    return 2;
  }
  const plugins = (parsed.options["plugins"] ?? []) as unknown as readonly Record<string, unknown>[];
  const pluginEntry = plugins.find((p) =>
    /@continuum\/transformer/.test(String((p as { transform?: string }).transform ?? "")),
  );
  const options = optionsForProgram(pluginEntry ?? {}, parsed.options, path.dirname(project));
  const compilerOptions = { ...parsed.options, noEmit: true, types: [], noLib: true };
  // parse only (identities are syntax), but with parent pointers, which the scope walk needs
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: compilerOptions,
    host: ts.createCompilerHost(compilerOptions, true),
  });
  const target =
    outIndex >= 0 && argv[outIndex + 1]
      ? path.resolve(argv[outIndex + 1] as string)
      : manifestPath(options.rootDir, options.manifest, parsed.options.outDir);
  if (!target) return 0;
  writeManifest(target, buildManifest(programIdentities(program, options)));
  process.stdout.write(`${path.relative(process.cwd(), target)}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
