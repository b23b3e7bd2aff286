import { describe, expect, it } from "vitest";
import type { HistoryEvent, RunRecord } from "@continuum/core";
import { checkManifest } from "./read-manifest.ts";
import { classifyRun, recordedCursors, summarize } from "./version-report.ts";

const entry = (version: number, versionHash: string, cursors: string[]) => ({
  name: "order",
  version,
  versionHash,
  file: "src/order.workflow.ts",
  line: 1,
  cursors: cursors.map((cursor, i) => {
    const kind = cursor.slice(0, cursor.indexOf(":"));
    return {
      cursor,
      kind,
      target: cursor.slice(cursor.indexOf(":") + 1, cursor.lastIndexOf("#")),
      at: `src/order.workflow.ts:${i + 2}:3`,
    };
  }),
});

const run = (versionHash: string, workflowName = "order"): RunRecord => ({
  runId: `run-${versionHash}`,
  namespace: "default",
  workflowId: `wf-${versionHash}`,
  workflowName,
  versionHash,
  status: "running",
  input: null,
  attributes: {},
  lastSeq: 3,
  fencingToken: 1,
  createdAt: 0,
  updatedAt: 0,
});

/** A history whose command events use `identities`, in order. */
const history = (identities: string[]): HistoryEvent[] => [
  { kind: "run_started", workflowName: "order", versionHash: "old", input: null, seq: 1, at: 0 },
  ...identities.map((identity, i): HistoryEvent => ({
    kind: "value_recorded",
    identity,
    value: 1,
    seq: i + 2,
    at: 0,
  })),
];

describe("versions check: classifying one run", () => {
  const build = checkManifest("m.json", {
    format: 1,
    workflows: [
      entry(1, "h1", ["activity:pay.charge#0", "signal:approve#0", "activity:ship.send#0"]),
      entry(2, "h2", [
        "activity:pay.charge#0",
        "patched:receipt#0",
        "activity:mail.receipt#0",
        "log:#0",
        "signal:approve#0",
        "activity:ship.send#0",
      ]),
    ],
  });

  it("a run whose hash is in the build replays unchanged", () => {
    expect(classifyRun(run("h1"), build, undefined)).toMatchObject({ kind: "unchanged", version: 1 });
  });

  it("a run whose workflow the build lacks would become stuck", () => {
    expect(classifyRun(run("x", "refund"), build, undefined)).toMatchObject({
      kind: "stuck",
      reason: "unknown_workflow",
    });
  });

  it("drift: the history used call sites the newest version lacks (first use named by seq)", () => {
    const verdict = classifyRun(
      run("h0"),
      build,
      history(["activity:pay.charge#0@0", "activity:pay.refund#0@0", "activity:pay.refund#0@1"]),
    );
    expect(verdict).toMatchObject({ kind: "drift", missing: [{ cursor: "activity:pay.refund#0", seq: 3 }] });
  });

  it("drift: a call site the run used now sits behind a patch marker it never recorded", () => {
    const verdict = classifyRun(
      run("h0"),
      build,
      history(["activity:pay.charge#0@0", "activity:mail.receipt#0@0", "signal:approve#0@0"]),
    );
    expect(verdict).toMatchObject({
      kind: "drift",
      missing: [{ cursor: "activity:mail.receipt#0", seq: 3 }],
    });
  });

  it("may need patch(): the newest version adds an unguarded effect before the run's position", () => {
    const unpatched = checkManifest("m.json", {
      format: 1,
      workflows: [
        entry(2, "h3", [
          "activity:pay.charge#0",
          "activity:fraud.check#0",
          "signal:approve#0",
          "activity:ship.send#0",
        ]),
      ],
    });
    const verdict = classifyRun(
      run("h1"),
      unpatched,
      history(["activity:pay.charge#0@0", "signal:approve#0@0"]),
    );
    expect(verdict).toMatchObject({
      kind: "patch",
      inserted: [{ cursor: "activity:fraud.check#0", at: "src/order.workflow.ts:3:3" }],
    });
    // Effects added after the run's position are no problem for it.
    expect(classifyRun(run("h1"), unpatched, history(["activity:pay.charge#0@0"]))).toMatchObject({
      kind: "stuck",
      reason: "unknown_version",
    });
  });

  it("a cursor-compatible run whose hash is gone would still become stuck (dispatch is by hash)", () => {
    const verdict = classifyRun(run("h0"), build, history(["activity:pay.charge#0@0", "signal:approve#0@0"]));
    expect(verdict).toMatchObject({ kind: "stuck", reason: "unknown_version" });
  });

  it("a deprecatePatch accepts the old marker; runtime identities are not call sites", () => {
    const deprecated = checkManifest("m.json", {
      format: 1,
      workflows: [
        entry(3, "h4", ["activity:pay.charge#0", "deprecatePatch:receipt#0", "activity:mail.receipt#0"]),
      ],
    });
    const h = history([
      "workflowTimeout:#0@0",
      "activity:pay.charge#0@0",
      "patched:receipt#0@0",
      "activity:mail.receipt#0@0",
      "compensateAll:$onExit#0@0",
    ]);
    expect(recordedCursors(h).map((r) => r.cursor)).toEqual([
      "activity:pay.charge#0",
      "patched:receipt#0",
      "activity:mail.receipt#0",
    ]);
    expect(classifyRun(run("h2"), deprecated, h)).toMatchObject({ kind: "stuck", reason: "unknown_version" });
  });

  it("summarize groups by workflow and counts verdicts", () => {
    const verdicts = [
      classifyRun(run("h1"), build, undefined),
      classifyRun(run("x", "refund"), build, undefined),
    ];
    const { workflows, counts } = summarize(build, verdicts);
    expect(counts).toEqual({ unchanged: 1, drift: 0, patch: 0, stuck: 1 });
    expect(workflows.map((w) => [w.workflowName, w.buildVersions.map((v) => v.versionHash)])).toEqual([
      ["order", ["h2", "h1"]],
      ["refund", []],
    ]);
  });

  it("refuses manifests of another format or shape, naming the problem", () => {
    expect(() => checkManifest("m.json", { format: 2, workflows: [] })).toThrow(/format 2/);
    expect(() => checkManifest("m.json", { format: 1 })).toThrow(/no workflows/);
    expect(() =>
      checkManifest("m.json", { format: 1, workflows: [{ name: "a", version: 1, cursors: [] }] }),
    ).toThrow(/versionHash/);
  });
});
