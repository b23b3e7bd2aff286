import { encode, openJournal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/test-database.ts";
import { main } from "../main.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum schedules list|show|pause|resume|trigger|backfill` on PostgreSQL: output, JSON and
// exit codes. The schedule is stored through the Journal port, as an engine registers one.

let database: TestDatabase;
let env: Record<string, string>;
const cli = async (argv: string[]) => {
  const io = captured(env);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

beforeAll(async () => {
  database = await createTestDatabase("cli_schedules");
  env = { DATABASE_URL: database.url };
  const journal = await openJournal({ url: database.url, migrate: true });
  try {
    await journal.upsertSchedule({
      namespace: "shop",
      name: "nightly-report",
      spec: {
        cron: "0 2 * * *",
        timezone: "Europe/Berlin",
        overlap: "skip",
        catchupWindowMs: 60_000,
        jitterMs: 0,
      },
      specHash: "h1",
      workflowName: "report",
      versionHash: "v1",
      input: encode({ kind: "daily" }),
    });
  } finally {
    await journal.close();
  }
}, 120_000);
afterAll(() => database?.drop());

describe("continuum schedules on PostgreSQL", () => {
  it("list shows the schedule with its next fire time; --json has the upcoming fire times", async () => {
    const table = await cli(["schedules", "list"]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/nightly-report/);
    expect(table.out).toMatch(/cron 0 2 \* \* \* \(Europe\/Berlin\)/);
    const json = await cli(["schedules", "list", "--json"]);
    const [listed] = JSON.parse(json.out) as { name: string; upcoming: number[]; input: unknown }[];
    expect(listed?.name).toBe("nightly-report");
    expect(listed?.input).toEqual({ kind: "daily" });
    expect(listed?.upcoming).toHaveLength(5);
    for (const at of listed!.upcoming)
      expect(new Date(at).toLocaleTimeString("en-GB", { timeZone: "Europe/Berlin" })).toBe("02:00:00");
  });

  it("show, pause, resume: the state changes and shows", async () => {
    expect((await cli(["schedules", "show", "nightly-report", "--namespace", "shop"])).out).toMatch(
      /state\s+active/,
    );
    const paused = await cli(["schedules", "pause", "nightly-report", "--namespace", "shop"]);
    expect(paused).toMatchObject({ code: 0 });
    expect(paused.out).toMatch(/paused/);
    expect((await cli(["schedules", "list"])).out).toMatch(/paused/);
    const resumed = await cli(["schedules", "resume", "nightly-report", "--namespace", "shop", "--json"]);
    expect(JSON.parse(resumed.out)).toMatchObject({ paused: false });
  });

  it("trigger starts one run; backfill starts one per fire time, and again none", async () => {
    const trigger = await cli(["schedules", "trigger", "nightly-report", "--namespace", "shop"]);
    expect(trigger.code).toBe(0);
    expect(trigger.out).toMatch(/started run .* \(workflow id nightly-report@/);
    const args = [
      "schedules",
      "backfill",
      "nightly-report",
      "--namespace",
      "shop",
      "--from",
      "2026-11-01",
      "--to",
      "2026-11-03T12:00Z",
    ];
    const first = await cli([...args, "--json"]);
    expect(first.code).toBe(0);
    const fired = (JSON.parse(first.out) as { fired: { workflowId: string }[] }).fired.map(
      (f) => f.workflowId,
    );
    expect(fired).toEqual([
      "nightly-report@2026-11-01T01:00:00.000Z",
      "nightly-report@2026-11-02T01:00:00.000Z",
      "nightly-report@2026-11-03T01:00:00.000Z",
    ]);
    expect((await cli(args)).out).toMatch(/0 started, 3 skipped/);
    const runs = await cli(["runs", "list", "--namespace", "shop", "--json"]);
    expect(runs.out).toMatch(/nightly-report@2026-11-02T01:00:00.000Z/);
  });

  it("delete removes the schedule (exit 0), then finds nothing to delete (exit 1)", async () => {
    const journal = await openJournal({ url: database.url });
    try {
      await journal.upsertSchedule({
        namespace: "shop",
        name: "retired-report",
        spec: { everyMs: 60_000, timezone: "UTC", overlap: "skip", catchupWindowMs: 0, jitterMs: 0 },
        specHash: "h2",
        workflowName: "report",
        versionHash: "v1",
        input: encode(null),
      });
    } finally {
      await journal.close();
    }
    const deleted = await cli(["schedules", "delete", "retired-report", "--namespace", "shop", "--json"]);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.out)).toEqual({ namespace: "shop", name: "retired-report", deleted: true });
    const listed = await cli(["schedules", "list", "--json"]);
    expect((JSON.parse(listed.out) as { name: string }[]).map((s) => s.name)).toEqual(["nightly-report"]);
    const again = await cli(["schedules", "delete", "retired-report", "--namespace", "shop"]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('no schedule "retired-report" in namespace shop');
  });

  it("an unknown schedule exits 1 with its code; a reversed range is a usage error", async () => {
    const missing = await cli(["schedules", "pause", "nope", "--namespace", "shop"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/CTM_SCHEDULE_NOT_FOUND/);
    const reversed = await cli([
      "schedules",
      "backfill",
      "nightly-report",
      "--from",
      "2026-11-03",
      "--to",
      "2026-11-01",
    ]);
    expect(reversed.code).toBe(2);
  });
});
