import { isContinuumError } from "../../errors/index.ts";
import type { Journal, RunRecord } from "../../journal/journal.ts";
import { openJournal } from "../../journal/open-journal.ts";
import { ExitCode, parseArgs, type CliIo } from "../cli-io.ts";
import { readManifest, type BuildManifest } from "../versions/read-manifest.ts";
import {
  buildVersionsOf,
  classifyRun,
  summarize,
  type RunVerdict,
  type WorkflowVersionReport,
} from "../versions/version-report.ts";

/** Help text of `continuum versions check`. */
export const versionsCheckUsage = `Usage: continuum versions check --manifest PATH [--database-url URL] [--data-dir DIR]
                                [--namespace NS] [--strict] [--json]

Compares a build's manifest (continuum-manifest.json) with the live runs in the journal and
says, per workflow, which runs would replay unchanged on that build (their version hash is in
it), which would drift (the build lacks call sites their histories used), which may need a
patch() (the build added effects before the point they reached), and which would become
stuck_unknown_version (their version is not in the build). Nothing is written.
  --manifest PATH     the manifest the build wrote (required)
  --database-url URL  the journal's PostgreSQL (default: $DATABASE_URL, else embedded PGlite)
  --data-dir DIR      embedded PGlite data directory
  --namespace NS      only runs of this namespace (default: every namespace)
  --strict            exit 1 when any run would drift, need a patch or become stuck
  --json              print the report as JSON
`;

const known = new Set(["manifest", "database-url", "data-dir", "namespace", "strict", "json", "help"]);

/**
 * `continuum versions check`: the deploy-safety check. Run it in CI before a deploy, against
 * the production journal (read-only) and the manifest of the build about to ship.
 *
 * @example
 * ```sh
 * continuum versions check --strict --manifest dist/continuum-manifest.json --database-url "$DATABASE_URL"
 * ```
 */
export async function versionsCheckCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let args;
  try {
    args = parseArgs(argv, new Set(["manifest", "database-url", "data-dir", "namespace"]));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${versionsCheckUsage}`);
    return ExitCode.usage;
  }
  const unknown = [...args.flags.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0 || args.positional.length > 0) {
    io.stderr(
      `unexpected argument: ${[...unknown.map((n) => `--${n}`), ...args.positional].join(" ")}\n\n${versionsCheckUsage}`,
    );
    return ExitCode.usage;
  }
  if (args.flags.has("help")) {
    io.stdout(versionsCheckUsage);
    return ExitCode.ok;
  }
  const manifestPath = args.flags.get("manifest");
  if (typeof manifestPath !== "string") {
    io.stderr(`--manifest is required\n\n${versionsCheckUsage}`);
    return ExitCode.usage;
  }
  const url = args.flags.get("database-url") ?? io.env.DATABASE_URL;
  const dataDir = args.flags.get("data-dir");
  const namespace = args.flags.get("namespace");
  let journal: Journal | undefined;
  try {
    const manifest = await readManifest(manifestPath);
    journal = await openJournal({
      ...(typeof url === "string" && url !== "" ? { url } : {}),
      ...(typeof dataDir === "string" ? { dataDir } : {}),
    });
    const verdicts = await checkLiveRuns(
      journal,
      manifest,
      typeof namespace === "string" ? namespace : undefined,
    );
    const { workflows, counts } = summarize(manifest, verdicts);
    io.stdout(
      args.flags.has("json")
        ? `${JSON.stringify({ counts, workflows: workflows.map(jsonWorkflow) }, null, 2)}\n`
        : formatReport(workflows, counts),
    );
    const unsafe = counts.drift + counts.patch + counts.stuck;
    return args.flags.has("strict") && unsafe > 0 ? ExitCode.failed : ExitCode.ok;
  } catch (error) {
    io.stderr(isContinuumError(error) ? `${error.code}: ${error.message}\n` : `${String(error)}\n`);
    return ExitCode.failed;
  } finally {
    await journal?.close();
  }
}

/** Every non-terminal run (running or stuck), classified; histories read only where needed. */
export async function checkLiveRuns(
  journal: Journal,
  manifest: BuildManifest,
  namespace?: string,
): Promise<RunVerdict[]> {
  const verdicts: RunVerdict[] = [];
  let after: string | undefined;
  do {
    const page = await journal.listRuns({
      status: ["running", "stuck_unknown_version"],
      limit: 500,
      ...(namespace === undefined ? {} : { namespace }),
      ...(after === undefined ? {} : { after }),
    });
    for (const run of page.runs) {
      const versions = buildVersionsOf(manifest, run.workflowName);
      const needsHistory = versions.length > 0 && !versions.some((w) => w.versionHash === run.versionHash);
      verdicts.push(
        classifyRun(run, manifest, needsHistory ? await journal.readHistory(run.runId) : undefined),
      );
    }
    after = page.next;
  } while (after !== undefined);
  return verdicts;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const runLabel = (run: RunRecord): string =>
  `run ${run.runId} (${run.workflowId}, hash ${run.versionHash}${run.status === "running" ? "" : `, ${run.status}`})`;

/** The human-readable report. */
export function formatReport(
  workflows: readonly WorkflowVersionReport[],
  counts: Readonly<Record<RunVerdict["kind"], number>>,
): string {
  const lines: string[] = [];
  for (const report of workflows) {
    const build = report.buildVersions.map((v) => `v${v.version ?? "?"} ${v.versionHash}`).join(", ");
    lines.push(`workflow ${report.workflowName} (build: ${build === "" ? "not in this build" : build})`);
    const of = (kind: RunVerdict["kind"]) => report.runs.filter((v) => v.kind === kind);
    const unchanged = of("unchanged");
    if (unchanged.length > 0) {
      const byHash = new Map<string, number>();
      for (const v of unchanged) byHash.set(v.run.versionHash, (byHash.get(v.run.versionHash) ?? 0) + 1);
      lines.push(
        `  replay unchanged: ${plural(unchanged.length, "run")} (${[...byHash].map(([hash, n]) => `${hash}: ${n}`).join(", ")})`,
      );
    }
    const drift = of("drift");
    if (drift.length > 0) lines.push(`  would drift: ${plural(drift.length, "run")}`);
    for (const v of drift) {
      if (v.kind !== "drift") continue;
      lines.push(
        `    ${runLabel(v.run)}: its history used ${v.missing.map((m) => `${m.cursor} (seq ${m.seq})`).join(", ")}, which this build lacks`,
      );
    }
    const patch = of("patch");
    if (patch.length > 0) lines.push(`  may need patch(): ${plural(patch.length, "run")}`);
    for (const v of patch) {
      if (v.kind !== "patch") continue;
      lines.push(
        `    ${runLabel(v.run)}: new effects before its position: ${v.inserted.map((c) => `${c.cursor} at ${c.at}`).join(", ")}; guard them with patched("...")`,
      );
    }
    const stuck = of("stuck");
    if (stuck.length > 0) lines.push(`  would become stuck_unknown_version: ${plural(stuck.length, "run")}`);
    for (const v of stuck) {
      if (v.kind !== "stuck") continue;
      lines.push(
        `    ${runLabel(v.run)}: ${v.reason === "unknown_workflow" ? "this build has no workflow of that name" : "its version is not in this build, though its call sites are: register that version side by side, or list its hash in the new version's `replaces`"}`,
      );
    }
  }
  const unsafe = counts.drift + counts.patch + counts.stuck;
  lines.push(
    `${plural(counts.unchanged + unsafe, "live run")}: ${counts.unchanged} unchanged, ${counts.drift} drift, ${counts.patch} may need patch(), ${counts.stuck} stuck` +
      (unsafe > 0
        ? ` -> keep the versions these runs started with registered (workflow(name, { version }) side by side) until they finish`
        : ""),
  );
  return `${lines.join("\n")}\n`;
}

function jsonWorkflow(report: WorkflowVersionReport) {
  return {
    workflowName: report.workflowName,
    buildVersions: report.buildVersions,
    runs: report.runs.map((v) => {
      const base = {
        verdict: v.kind,
        runId: v.run.runId,
        workflowId: v.run.workflowId,
        versionHash: v.run.versionHash,
        status: v.run.status,
      };
      switch (v.kind) {
        case "unchanged":
          return { ...base, version: v.version };
        case "drift":
          return { ...base, missingCursors: v.missing };
        case "patch":
          return { ...base, insertedCursors: v.inserted.map((c) => ({ cursor: c.cursor, at: c.at })) };
        case "stuck":
          return { ...base, reason: v.reason };
      }
    }),
  };
}
