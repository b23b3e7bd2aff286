import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { addContinuumDependencies } from "../init/edit-package-json.ts";
import {
  addTransformerPlugins,
  importExtensionFor,
  outputDirsOf,
  type Change,
} from "../init/edit-tsconfig.ts";
import { parseJsonc } from "../init/jsonc-edit.ts";
import { detectPackageManager, installCommand, type PackageManager } from "../init/package-manager.ts";
import { sampleFiles } from "../init/sample-files.ts";
import type { CommandResult } from "./command-support.ts";

interface InitOptions {
  readonly dir: string;
}

/** This CLI's version: the version of the Continuum packages init adds. */
function cliVersion(): string {
  return (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
}

/**
 * `continuum init`: sets Continuum up in an existing TypeScript app (package.json and
 * tsconfig.json in the working directory). Adds the transformer's plugins to tsconfig.json
 * (comments kept), the dependencies to package.json (not installed: it prints the install
 * command), and a sample workflow, activities, worker and client. Running it again changes
 * nothing.
 *
 * @example
 * ```sh
 * npx @continuum/cli init --dir src/continuum
 * ```
 */
export function initCommand(program: Command, io: CliIo, result: CommandResult): void {
  program
    .command("init")
    .description("set Continuum up in this TypeScript app: tsconfig plugins, dependencies, a sample workflow")
    .option("--dir <dir>", "where the sample workflow, activities, worker and client go", "src/continuum")
    .action((options: InitOptions) => {
      result.code = init(options, io);
    });
}

function init(options: InitOptions, io: CliIo): ExitCode {
  const root = resolve(io.cwd ?? process.cwd());
  const packagePath = join(root, "package.json");
  const tsconfigPath = join(root, "tsconfig.json");
  if (!existsSync(packagePath)) {
    io.stderr(
      `error: no package.json in ${root}\n  fix: run continuum init in your app's root (create one with \`npm init -y\`)\n`,
    );
    return ExitCode.failed;
  }
  if (!existsSync(tsconfigPath)) {
    io.stderr(
      `error: no tsconfig.json in ${root}\n  fix: continuum init sets up a TypeScript app; create one with \`npx tsc --init\`\n`,
    );
    return ExitCode.failed;
  }
  const changes: Change[] = [];
  let hints: string[];
  let added: boolean;
  let manager: PackageManager;
  let tsconfigOutput: { outDir?: string; rootDir?: string } = {};
  try {
    // Everything is computed before anything is written: a parse error leaves the app untouched.
    const tsconfigText = readFileSync(tsconfigPath, "utf8");
    tsconfigOutput = outputDirsOf(tsconfigText);
    const tsconfig = addTransformerPlugins(tsconfigText, "tsconfig.json");
    const packageText = readFileSync(packagePath, "utf8");
    const manifest = addContinuumDependencies(packageText, "package.json", { continuum: cliVersion() });
    ({ hints, added } = manifest);
    manager = detectPackageManager(
      root,
      (parseJsonc(packageText, "package.json") as { packageManager?: unknown }).packageManager,
    );
    const dir = resolve(root, options.dir);
    const samples = sampleFiles(importExtensionFor(tsconfigText, "tsconfig.json")).filter(
      (file) => !existsSync(join(dir, file.name)),
    );
    if (tsconfig.text !== tsconfigText) writeFileSync(tsconfigPath, tsconfig.text);
    if (manifest.text !== packageText) writeFileSync(packagePath, manifest.text);
    changes.push(...tsconfig.changes, ...manifest.changes);
    if (samples.length > 0) mkdirSync(dir, { recursive: true });
    for (const file of samples) {
      writeFileSync(join(dir, file.name), file.text, { flag: "wx" });
      changes.push(`${relative(root, join(dir, file.name))}: written`);
    }
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n  fix: correct the file, then run continuum init again\n`);
    return ExitCode.failed;
  }
  if (changes.length === 0) {
    io.stdout(`Continuum is already set up in ${root}: nothing changed.\n`);
    return ExitCode.ok;
  }
  const client = compiledPath(root, resolve(root, options.dir, "client.js"), tsconfigOutput);
  io.stdout(
    [
      `Set up Continuum in ${root}:`,
      ...changes.map((change) => `  ${change}`),
      ...hints.map((hint) => `  note: ${hint}`),
      "",
      "Next:",
      ...(added ? [`  ${installCommand(manager)}    (installs what init added; init installs nothing)`] : []),
      "  npx tspc -p .    (builds; nondeterministic workflow code fails with a CTM error)",
      `  node ${client}    (starts a sample run and prints its result; worker.js beside it runs an engine)`,
      "",
    ].join("\n"),
  );
  return ExitCode.ok;
}

/** Where tsc emits `file` (a source path, with a .js name): under outDir, relative to rootDir (default src). */
function compiledPath(root: string, file: string, output: { outDir?: string; rootDir?: string }): string {
  if (output.outDir === undefined) return relative(root, file);
  const rootDir = resolve(root, output.rootDir ?? "src");
  return relative(root, join(resolve(root, output.outDir), relative(rootDir, file)));
}
