import { describe, expect, it } from "vitest";
import { attr } from "../model/attribute-query.ts";
import { encode, serializeError } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { ErrorCode } from "../errors/error-code.ts";
import type { Journal } from "../journal/journal.ts";
import { ManualClock } from "../journal/memory/manual-clock.ts";
import { MemoryJournal } from "../journal/memory/memory-journal.ts";
import { createInspector } from "./create-inspector.ts";
import { UndecodablePayload, toDisplayJson } from "./display-value.ts";

async function journalWithRun() {
  const clock = new ManualClock();
  const journal = new MemoryJournal({ clock });
  const input = encode({ when: new Date(0), tags: new Set(["a"]), total: 10n });
  const { run } = await journal.startRun({
    namespace: "shop",
    workflowId: "order-17",
    workflowName: "order",
    versionHash: "v1",
    input,
    attributes: { region: encode("eu") },
  });
  return { clock, journal, run };
}

describe("createInspector", () => {
  it("decodes payloads and attributes, and finds a run by run id or workflow id", async () => {
    const { journal, run } = await journalWithRun();
    const inspector = createInspector(journal);
    const page = await inspector.runs({ attributes: { region: "eu" } });
    expect(page.runs.map((r) => r.runId)).toEqual([run.runId]);
    expect(page.runs[0]!.input).toEqual({ when: new Date(0), tags: new Set(["a"]), total: 10n });
    expect(page.runs[0]!.attributes).toEqual({ region: "eu" });
    expect((await inspector.run(run.runId))?.run.runId).toBe(run.runId);
    expect((await inspector.run("order-17"))?.run.runId).toBe(run.runId);
    expect((await inspector.run("order-17", { namespace: "shop" }))?.run.runId).toBe(run.runId);
    expect(await inspector.run("order-17", { namespace: "other" })).toBeUndefined();
    expect(await inspector.run("nope")).toBeUndefined();
    expect(await inspector.counts({ namespace: "shop" })).toMatchObject({ running: 1, total: 1 });
  });

  it("filters runs and counts by a typed attribute query (where)", async () => {
    const { journal, run } = await journalWithRun();
    const inspector = createInspector(journal);
    expect(
      (await inspector.runs({ where: attr("region").startsWith("e") })).runs.map((r) => r.runId),
    ).toEqual([run.runId]);
    expect((await inspector.runs({ where: attr("region").in(["us", "uk"]) })).runs).toEqual([]);
    expect(await inspector.counts({ where: attr("region").eq("eu") })).toMatchObject({ total: 1 });
    await expect(inspector.runs({ where: attr("region").gte("soon") })).rejects.toMatchObject({
      code: ErrorCode.InvalidAttributeQuery,
    });
  });

  it("history events: identity apart, payloads decoded, errors split into message and fix", async () => {
    const { journal, run } = await journalWithRun();
    const [claim] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 1000 });
    const error = serializeError(new RunNotFoundError("r-9"));
    await journal.commitStep({
      lease: claim!.lease,
      lastSeq: 1,
      delivered: [],
      events: [
        { kind: "value_recorded", identity: "now#0@0", value: encode(new Map([["k", 1n]])) },
        { kind: "run_failed", error },
      ],
      tasks: [],
      timers: [],
      cancelTimers: [],
      run: { status: "failed", error },
    });
    const inspector = createInspector(journal);
    const { events } = await inspector.history(run.runId);
    expect(events.map((e) => e.kind)).toEqual(["run_started", "value_recorded", "run_failed"]);
    expect(events[1]).toMatchObject({ seq: 2, identity: "now#0@0", data: { value: new Map([["k", 1n]]) } });
    expect(events[2]!.data.error).toMatchObject({
      name: "RunNotFoundError",
      code: ErrorCode.RunNotFound,
      message: 'no run with id "r-9"',
      fix: "check the id returned by client.start(); ids are case-sensitive",
    });
    expect((await inspector.run(run.runId))?.run.error?.fix).toContain("check the id");
    expect(JSON.stringify(toDisplayJson(events[1]!.data))).toBe('{"value":{"$map":[["k","1n"]]}}');
  });

  it("an undecodable payload is shown, not thrown", async () => {
    const journal = new MemoryJournal();
    const { run } = await journal.startRun({
      namespace: "n",
      workflowName: "w",
      versionHash: "v",
      input: { $t: "no-such-tag", v: 1 } as never,
    });
    const detail = await createInspector(journal).run(run.runId);
    expect(detail?.run.input).toBeInstanceOf(UndecodablePayload);
    expect(toDisplayJson(detail?.run.input)).toMatchObject({ $undecodable: expect.any(String) });
  });

  it("refuses bad page requests and journals without a read model", async () => {
    const { journal } = await journalWithRun();
    const inspector = createInspector(journal);
    await expect(inspector.runs({ after: "not-a-cursor" })).rejects.toMatchObject({
      code: ErrorCode.InvalidCursor,
    });
    await expect(inspector.runs({ limit: 0 })).rejects.toMatchObject({ code: ErrorCode.InvalidNumber });
    await expect(inspector.history("x", { afterSeq: -1 })).rejects.toMatchObject({
      code: ErrorCode.InvalidNumber,
    });
    const bare = { startRun: journal.startRun, getRun: journal.getRun } as unknown as Journal;
    expect(() => createInspector(bare)).toThrow(/inspector/);
  });

  it("health: problems name what is wrong and how to fix it; a healthy journal has none", async () => {
    const { clock, journal } = await journalWithRun();
    const inspector = createInspector(journal);
    expect((await inspector.health()).problems).toEqual([]);
    clock.advance(120_000);
    const report = await inspector.health();
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: "unclaimed_ready_runs",
        count: 1,
        fix: expect.stringContaining("engine"),
      }),
    ]);
    expect(report.requiredSchemaVersion).toBeUndefined();
  });
});
