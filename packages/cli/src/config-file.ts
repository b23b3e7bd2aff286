import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { UsageError } from "./cli-io.ts";

/**
 * `continuum.config.json` / `continuum.config.js` (or `--config PATH`): defaults for the options
 * every command would otherwise need. Never the database URL itself, which would then sit in a
 * file next to the code: a file holding it (`databaseUrlFile`, e.g. a mounted secret).
 */
export interface ContinuumConfig {
  /** File holding the PostgreSQL URL (as --database-url-file); relative to the config file. */
  readonly databaseUrlFile?: string;
  /** Embedded PGlite data directory (as --data-dir); relative to the config file. */
  readonly dataDir?: string;
  /** The instance's schema (as --schema; CONTINUUM_SCHEMA in the environment wins). */
  readonly schema?: string;
  /** Namespace for the commands that take --namespace. */
  readonly namespace?: string;
  /** Built workflow module(s) for `continuum replay` (as --workflows); relative to the config file. */
  readonly workflows?: string | readonly string[];
}

const names = ["continuum.config.json", "continuum.config.js", "continuum.config.mjs"];
const keys = ["databaseUrlFile", "dataDir", "schema", "namespace", "workflows"] as const;

/** Reads the config the flag names, or the first of `names` in `cwd`; undefined when there is none. */
export async function loadConfig(
  flag: string | undefined,
  cwd: string,
): Promise<{ path: string; config: ContinuumConfig } | undefined> {
  const path =
    flag === undefined ? names.map((n) => resolve(cwd, n)).find((p) => existsSync(p)) : resolve(cwd, flag);
  if (path === undefined) return undefined;
  let raw: unknown;
  try {
    raw = path.endsWith(".json")
      ? JSON.parse(await readFile(path, "utf8"))
      : ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new UsageError(
      `cannot read config ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new UsageError(`config ${path}: expected an object`);
  const unknown = Object.keys(raw).filter((k) => !(keys as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new UsageError(`config ${path}: unknown key(s) ${unknown.join(", ")} (known: ${keys.join(", ")})`);
  if ("databaseUrl" in raw)
    throw new UsageError(`config ${path}: put the URL in a file, named by databaseUrlFile`);
  const base = dirname(path);
  const config = raw as ContinuumConfig;
  const rel = (p: string) => resolve(base, p);
  return {
    path,
    config: {
      ...(config.databaseUrlFile === undefined ? {} : { databaseUrlFile: rel(config.databaseUrlFile) }),
      ...(config.dataDir === undefined
        ? {}
        : { dataDir: config.dataDir.includes("://") ? config.dataDir : rel(config.dataDir) }),
      ...(config.schema === undefined ? {} : { schema: config.schema }),
      ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
      ...(config.workflows === undefined
        ? {}
        : {
            workflows: (typeof config.workflows === "string" ? [config.workflows] : config.workflows).map(
              rel,
            ),
          }),
    },
  };
}

/**
 * Fills the options of `command` that the command line left unset from `config`. The command
 * line wins, and a URL in the environment (CONTINUUM_DATABASE_URL, DATABASE_URL) wins over the
 * config's databaseUrlFile and dataDir (and CONTINUUM_SCHEMA over its schema): a deploy's
 * environment overrides a checked-in default.
 */
export function applyConfig(
  command: Command,
  config: ContinuumConfig,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const known = new Set(command.options.map((o) => o.attributeName()));
  const urlElsewhere =
    Boolean(env.CONTINUUM_DATABASE_URL) ||
    Boolean(env.DATABASE_URL) ||
    command.getOptionValue("databaseUrl") !== undefined ||
    command.getOptionValue("databaseUrlFile") !== undefined ||
    command.getOptionValue("dataDir") !== undefined;
  for (const key of keys) {
    const value = config[key];
    if (value === undefined || !known.has(key)) continue;
    if (command.getOptionValueSource(key) === "cli") continue;
    if ((key === "databaseUrlFile" || key === "dataDir") && urlElsewhere) continue;
    if (key === "schema" && Boolean(env.CONTINUUM_SCHEMA)) continue;
    if (key === "namespace" && Boolean(env.CONTINUUM_NAMESPACE)) continue;
    command.setOptionValueWithSource(key, value, "config");
  }
}

/**
 * The namespace scope of a command that takes `--namespace`: the flag, else
 * `CONTINUUM_NAMESPACE`, else the config file's `namespace`, else the command's own default
 * (every namespace for the operator commands). `--namespace '*'` (or `*` from the environment
 * or config) asks for every namespace explicitly, overriding a configured one.
 */
export function applyNamespaceScope(
  command: Command,
  env: Readonly<Record<string, string | undefined>>,
): void {
  if (!command.options.some((o) => o.attributeName() === "namespace")) return;
  const source = command.getOptionValueSource("namespace");
  const fromEnv = env.CONTINUUM_NAMESPACE;
  if (source !== "cli" && fromEnv !== undefined && fromEnv !== "")
    command.setOptionValueWithSource("namespace", fromEnv, "env");
  if (command.getOptionValue("namespace") === "*")
    command.setOptionValueWithSource("namespace", undefined, "cli");
}
