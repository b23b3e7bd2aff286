import { isCommandEvent, parseCursor, type HistoryEvent, type RunRecord } from "@continuum/core";
import type { BuildManifest, ManifestCursorEntry, ManifestWorkflowEntry } from "./read-manifest.ts";

/** What a live run would do on the build described by a manifest. */
export type RunVerdict =
  /** Its version hash is in the build: it replays on exactly the code it started with. */
  | { readonly kind: "unchanged"; readonly run: RunRecord; readonly version: number | null }
  /** Its hash is gone and its history used effect call sites the newest code no longer has. */
  | { readonly kind: "drift"; readonly run: RunRecord; readonly missing: readonly RecordedCursor[] }
  /** Its hash is gone; the newest code added effects before the point the run has reached. */
  | { readonly kind: "patch"; readonly run: RunRecord; readonly inserted: readonly ManifestCursorEntry[] }
  /** Its hash is gone (or its workflow is), and nothing above applies: it would wait as stuck_unknown_version. */
  | {
      readonly kind: "stuck";
      readonly run: RunRecord;
      readonly reason: "unknown_workflow" | "unknown_version";
    };

/** A cursor a run's history used, with the first event that used it. */
export interface RecordedCursor {
  readonly cursor: string;
  readonly seq: number;
}

/** The verdicts of one workflow's live runs. */
export interface WorkflowVersionReport {
  readonly workflowName: string;
  /** The versions of this workflow in the build, newest first. */
  readonly buildVersions: readonly { readonly version: number | null; readonly versionHash: string }[];
  readonly runs: readonly RunVerdict[];
}

/** Counts of each verdict over every workflow. */
export type VerdictCounts = Readonly<Record<RunVerdict["kind"], number>>;

// Effects that journal nothing (log, deprecatePatch), or patch markers (the remedy, not a change).
const silentKinds = new Set(["log", "deprecatePatch"]);

/** The build's versions of `name`, newest (highest `version`) first. */
export function buildVersionsOf(manifest: BuildManifest, name: string): ManifestWorkflowEntry[] {
  return manifest.workflows
    .filter((w) => w.name === name)
    .sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
}

/**
 * The call sites a history used, in journal order, first use each. Identities the runtime
 * makes on its own (the workflow timeout's timer, exit compensations: targets starting with `$`)
 * are not call sites and are left out.
 */
export function recordedCursors(history: readonly HistoryEvent[]): RecordedCursor[] {
  const seen = new Map<string, number>();
  for (const event of history) {
    if (!isCommandEvent(event)) continue;
    const cursor = event.identity.slice(0, event.identity.lastIndexOf("@"));
    const parsed = parseCursor(cursor);
    if (parsed === undefined || parsed.kind === "workflowTimeout" || parsed.target.startsWith("$")) continue;
    if (!seen.has(cursor)) seen.set(cursor, event.seq);
  }
  return [...seen].map(([cursor, seq]) => ({ cursor, seq }));
}

/**
 * Classifies one live run against the build. `history` is read only for runs whose hash the
 * build lacks (pass `undefined` otherwise).
 *
 * The cursor comparison is against the newest version in the build. "patch" is a heuristic
 * from source order: a call site the run never used, written before the last call site it did
 * use, would be issued by the new code where the history has something else, unless it sits
 * behind `patched()` (the call site right after a `patched` marker the run did not record
 * counts as guarded). A call site the run used that now sits right behind such a marker is
 * drift: replay takes the old path there. Call sites in branches the run did not take look like
 * insertions; the report says "may".
 */
export function classifyRun(
  run: RunRecord,
  manifest: BuildManifest,
  history: readonly HistoryEvent[] | undefined,
): RunVerdict {
  const versions = buildVersionsOf(manifest, run.workflowName);
  const exact = versions.find((w) => w.versionHash === run.versionHash);
  if (exact !== undefined) return { kind: "unchanged", run, version: exact.version };
  const newest = versions[0];
  if (newest === undefined) return { kind: "stuck", run, reason: "unknown_workflow" };
  const recorded = recordedCursors(history ?? []);
  const used = new Set(recorded.map((r) => r.cursor));
  const present = new Set(newest.cursors.map((c) => c.cursor));
  const deprecated = new Set(newest.cursors.filter((c) => c.kind === "deprecatePatch").map((c) => c.target));
  const missing = recorded.filter(({ cursor }) => {
    if (present.has(cursor)) return false;
    const parsed = parseCursor(cursor);
    // deprecatePatch(id) accepts the marker patched(id) left in old histories.
    return !(parsed?.kind === "patched" && deprecated.has(parsed.target));
  });
  if (missing.length > 0) return { kind: "drift", run, missing };
  const lastUsed = newest.cursors.reduce((last, c, index) => (used.has(c.cursor) ? index : last), -1);
  const inserted: ManifestCursorEntry[] = [];
  // A call site the run used that the new code puts behind a patch marker the run never recorded:
  // on replay patched() says false there, so the code skips a call the history has.
  const unguarded: RecordedCursor[] = [];
  let guarded = false;
  newest.cursors.slice(0, lastUsed + 1).forEach((c) => {
    if (c.kind === "patched") {
      guarded = !used.has(c.cursor);
      return;
    }
    const behindPatch = guarded;
    guarded = false;
    if (used.has(c.cursor)) {
      if (behindPatch) unguarded.push(...recorded.filter((r) => r.cursor === c.cursor));
      return;
    }
    if (!behindPatch && !silentKinds.has(c.kind)) inserted.push(c);
  });
  if (unguarded.length > 0) return { kind: "drift", run, missing: unguarded };
  if (inserted.length > 0) return { kind: "patch", run, inserted };
  return { kind: "stuck", run, reason: "unknown_version" };
}

/** Groups verdicts by workflow (sorted by name) and counts them. */
export function summarize(
  manifest: BuildManifest,
  verdicts: readonly RunVerdict[],
): { workflows: WorkflowVersionReport[]; counts: VerdictCounts } {
  const byName = new Map<string, RunVerdict[]>();
  for (const verdict of verdicts)
    byName.set(verdict.run.workflowName, [...(byName.get(verdict.run.workflowName) ?? []), verdict]);
  const counts = { unchanged: 0, drift: 0, patch: 0, stuck: 0 };
  for (const verdict of verdicts) counts[verdict.kind] += 1;
  const workflows = [...byName.keys()].sort().map((workflowName) => ({
    workflowName,
    buildVersions: buildVersionsOf(manifest, workflowName).map((w) => ({
      version: w.version,
      versionHash: w.versionHash,
    })),
    runs: byName.get(workflowName) ?? [],
  }));
  return { workflows, counts };
}
