import { resolve } from "node:path";
import { openJournal, type Journal, type RunRecord } from "@continuum/core";
import type { Command } from "commander";
import { ExitCode, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp, type DatabaseUrlOptions } from "../database-url.ts";
import { readManifest, type BuildManifest } from "../versions/read-manifest.ts";
import {
  buildVersionsOf,
  classifyRun,
  summarize,
  type RunVerdict,
  type WorkflowVersionReport,
} from "../versions/version-report.ts";
import { databaseOptions, schemaOf, withDatabase, type CommandResult } from "./command-support.ts";

interface VersionsCheckOptions extends DatabaseUrlOptions {
  readonly manifest: string;
  readonly dataDir?: string;
  readonly namespace?: string;
  readonly strict?: boolean;
  readonly json?: boolean;
}

const description = `compare a build's manifest with the live runs (deploy safety)

Compares a build's manifest (continuum-manifest.json) with the live runs in the journal and
says, per workflow, which runs would replay unchanged on that build (their version hash is in
it), which would drift (the build lacks call sites their histories used), which may need a
patch() (the build added effects before the point they reached), and which would become
stuck_unknown_version (their version is not in the build). Nothing is written.`;

/**
 * `continuum versions check`: the deploy-safety check. Run it in CI before a deploy, against
 * the production journal (read-only) and the manifest of the build about to ship.
 *
 * @example
 * ```sh
 * DATABASE_URL=... continuum versions check --strict --manifest dist/continuum-manifest.json
 * ```
 */
export function versionsCommand(program: Command, io: CliIo, result: CommandResult): void {
  const versions = program.command("versions").description("deploy-safety checks of workflow versions");
  databaseOptions(
    versions
      .command("check")
      .summary("compare a build's manifest with the live runs (deploy safety)")
      .description(description)
      .requiredOption("--manifest <path>", "the manifest the build wrote (continuum-manifest.json)"),
  )
    .option("--namespace <ns>", "only runs of this namespace (default: every namespace)")
    .option("--strict", "exit 1 when any run would drift, need a patch or become stuck")
    .option("--json", "print the report as JSON")
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: VersionsCheckOptions) => {
      result.code = await versionsCheck(options, io);
    });
}

async function versionsCheck(options: VersionsCheckOptions, io: CliIo): Promise<ExitCode> {
  return withDatabase(io, options, async (url, out) => {
    const manifest = await readManifest(resolve(io.cwd ?? process.cwd(), options.manifest));
    let journal: Journal | undefined;
    try {
      const schema = schemaOf(options, io);
      journal = await openJournal({
        ...(url === undefined ? {} : { url }),
        ...(schema === undefined ? {} : { schema }),
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      });
      const verdicts = await checkLiveRuns(journal, manifest, options.namespace);
      const { workflows, counts } = summarize(manifest, verdicts);
      out.stdout(
        options.json === true
          ? `${JSON.stringify({ counts, workflows: workflows.map(jsonWorkflow) }, null, 2)}\n`
          : formatReport(workflows, counts),
      );
      const unsafe = counts.drift + counts.patch + counts.stuck;
      return options.strict === true && unsafe > 0 ? ExitCode.failed : ExitCode.ok;
    } finally {
      await journal?.close();
    }
  });
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
