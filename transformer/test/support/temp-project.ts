import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CORE_SHIM, TRANSFORMER_DIR, tsFilesUnder } from "./test-program.ts";

/** A throwaway project directory; `write` creates parent folders. */
export interface TempProject {
  readonly dir: string;
  write(relative: string, text: string): string;
  read(relative: string): string;
  remove(): void;
}

/** Creates a project under the OS temp dir. */
export function createTempProject(prefix: string): TempProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), `continuum-${prefix}-`));
  return {
    dir,
    write(relative, text) {
      const file = path.join(dir, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    read: (relative) => readFileSync(path.join(dir, relative), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The API shim text, for projects compiled with tspc before @continuum/core exists. */
export function coreShimText(): string {
  return readFileSync(CORE_SHIM, "utf8");
}

/**
 * A runnable stand-in for @continuum/core: effects record `{ kind, cursor, args }` when called
 * through `.at(cursor)` and throw like the runtime when called without it.
 */
export const CORE_RUNTIME_STUB = `
export const calls = [];
function effect(kind) {
  const unstamped = () => { throw new Error("CTM_EFFECT_NOT_STAMPED: " + kind); };
  unstamped.at = (cursor) => async (...args) => {
    calls.push({ kind, cursor, args: args.map((a) => (typeof a === "object" && a !== null && "activityName" in a ? a.activityName : a)) });
    if (args[1] === "boom") throw new Error("boom from " + kind);
    return kind === "activity" ? args.length : undefined;
  };
  return unstamped;
}
export const activity = effect("activity");
export const sleep = effect("sleep");
export const signal = effect("signal");
export const log = effect("log");
export const now = effect("now");
export function defineActivity(activityName, fn) { return { activityName, fn }; }
export const hours = (n) => n * 3600000;
export const workflow = Object.assign(() => { throw new Error("CTM_WORKFLOW_NOT_TRANSFORMED"); }, {
  stamped: (stamp) => (name, options, run) => ({ name, options, stamp, run }),
});
`;

/** Installs the runtime stub as node_modules/@continuum/core in `project`. */
export function installCoreStub(project: TempProject): void {
  project.write(
    "node_modules/@continuum/core/package.json",
    JSON.stringify({
      name: "@continuum/core",
      type: "module",
      exports: { ".": "./index.js", "./workflow": "./index.js" },
    }),
  );
  project.write("node_modules/@continuum/core/index.js", CORE_RUNTIME_STUB);
}

let built = false;

function isStale(): boolean {
  const distIndex = path.join(TRANSFORMER_DIR, "dist/index.js");
  try {
    const builtAt = statSync(distIndex).mtimeMs;
    return tsFilesUnder(path.join(TRANSFORMER_DIR, "src")).some((f) => statSync(f).mtimeMs > builtAt);
  } catch {
    return true;
  }
}

/**
 * Compiles transformer/src to dist when a source is newer than the build (the tspc, loader and
 * tsserver tests run the shipped JavaScript). A lock directory keeps parallel test files from
 * building at the same time.
 */
export function ensureTransformerBuilt(): void {
  if (built) return;
  const lock = path.join(TRANSFORMER_DIR, "dist.build-lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`stale lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (isStale()) {
      const tsc = path.join(TRANSFORMER_DIR, "node_modules/typescript/bin/tsc");
      const r = spawnSync(process.execPath, [tsc, "-p", path.join(TRANSFORMER_DIR, "tsconfig.build.json")], {
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`transformer build failed:\n${r.stdout}${r.stderr}`);
    }
    built = true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
