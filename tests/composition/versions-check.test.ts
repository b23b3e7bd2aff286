import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createClient, createEngine, openJournal, type Engine, type Journal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { bookingV1, bookingV2Patched } from "./golden/booking-workflows.ts";
import { travelActivities } from "./golden/src/booking-activities.ts";

// `continuum versions check` as a deploy runs it: the real CLI in a child process, against live
// runs on PostgreSQL, with the manifests the transformer wrote for each build of the booking saga.

const cli = fileURLToPath(new URL("../../packages/cli/src/main.ts", import.meta.url));
const manifest = (build: string): string =>
  fileURLToPath(new URL(`./golden/manifests/${build}.json`, import.meta.url));

function check(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, "versions", "check", ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl } },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : -1,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe("continuum versions check on PostgreSQL", () => {
  let database: TestDatabase;
  let journal: Journal;
  const runs: Record<string, string> = {};

  async function runUntilWaiting(engine: Engine, start: () => Promise<{ runId: string }>): Promise<string> {
    const { runId } = await start();
    // No deadline: a busy machine may take long, and the runner's timeout catches a hang.
    while ((await journal.readHistory(runId)).every((e) => e.kind !== "signal_wait_started"))
      await new Promise((resolve) => setTimeout(resolve, 20));
    return runId;
  }

  beforeAll(async () => {
    database = await createTestDatabase("versions_check");
    journal = await openJournal({ url: database.url, migrate: true });
    const client = createClient({ journal, pollIntervalMs: 20 });
    // Build 1 (version 1) runs two bookings up to their approval, and finishes a third.
    const v1 = createEngine({
      journal,
      workflows: [bookingV1],
      activities: travelActivities,
      pollIntervalMs: 20,
      owner: "build-1",
    });
    v1.start();
    runs.a = await runUntilWaiting(v1, () => client.start(bookingV1, { tripId: "a" }));
    runs.b = await runUntilWaiting(v1, () => client.start(bookingV1, { tripId: "b" }));
    const done = await client.start(bookingV1, { tripId: "done" });
    await runUntilWaiting(v1, async () => done);
    await client.signal(done.runId, "approve", true);
    await done.result({ timeoutMs: 10_000 });
    await v1.stop();
    // Build 2 (patched version 2) starts one more.
    const v2 = createEngine({
      journal,
      workflows: [bookingV2Patched],
      activities: travelActivities,
      pollIntervalMs: 20,
      owner: "build-2",
    });
    v2.start();
    runs.c = await runUntilWaiting(v2, () => client.start(bookingV2Patched, { tripId: "c" }));
    await v2.stop();
    // A run of a workflow no build has any more, in another namespace.
    runs.legacy = (
      await journal.startRun({
        namespace: "legacy",
        workflowName: "report.monthly",
        versionHash: "0123456789abcdef",
        input: null,
      })
    ).run.runId;
  }, 60_000);

  afterAll(async () => {
    await journal?.close();
    await database?.drop();
  });

  it("a build with both versions side by side replays every live booking unchanged", async () => {
    const result = await check(
      ["--strict", "--namespace", "default", "--manifest", manifest("v1-and-v2-patched")],
      database.url,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/workflow booking \(build: v2 \w{16}, v1 \w{16}\)/);
    expect(result.stdout).toContain("replay unchanged: 3 runs");
    expect(result.stdout).toContain("3 live runs: 3 unchanged, 0 drift, 0 may need patch(), 0 stuck");
    // Every namespace: the legacy run has no code in this build at all.
    const all = await check(["--strict", "--manifest", manifest("v1-and-v2-patched")], database.url);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(
      `run ${runs.legacy} (${runs.legacy}, hash 0123456789abcdef): this build has no workflow of that name`,
    );
  });

  it("a build with only the patched version 2: v1 runs would become stuck (their call sites are all there)", async () => {
    const result = await check(
      ["--json", "--namespace", "default", "--manifest", manifest("v2-patched")],
      database.url,
    );
    expect(result.code).toBe(0); // not --strict
    const report = JSON.parse(result.stdout) as {
      counts: Record<string, number>;
      workflows: { runs: { runId: string; verdict: string; reason?: string }[] }[];
    };
    expect(report.counts).toEqual({ unchanged: 1, drift: 0, patch: 0, stuck: 2 });
    const verdicts = Object.fromEntries(
      report.workflows[0]!.runs.map((r) => [
        r.runId,
        `${r.verdict}${r.reason === undefined ? "" : `:${r.reason}`}`,
      ]),
    );
    expect(verdicts).toEqual({
      [runs.a!]: "stuck:unknown_version",
      [runs.b!]: "stuck:unknown_version",
      [runs.c!]: "unchanged",
    });
    expect(
      (
        await check(
          ["--strict", "--namespace", "default", "--manifest", manifest("v2-patched")],
          database.url,
        )
      ).code,
    ).toBe(1);
  });

  it("a build with the unpatched version 2: v1 runs may need patch() (the visa check sits before their position), the patched run drifts", async () => {
    const result = await check(
      ["--strict", "--namespace", "default", "--manifest", manifest("v2")],
      database.url,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("may need patch(): 2 runs");
    expect(result.stdout).toMatch(
      new RegExp(
        `run ${runs.a} .*new effects before its position: activity:travel\\.checkVisa#0 at tests/composition/golden/src/booking\\.v2\\.workflow\\.ts:\\d+:\\d+`,
      ),
    );
    expect(result.stdout).toContain("would drift: 1 run");
    expect(result.stdout).toMatch(
      new RegExp(
        `run ${runs.c} .*its history used patched:visa-check#0 \\(seq \\d+\\), which this build lacks`,
      ),
    );
  });

  it("rolling back to version 1: the run started on version 2 would drift on the call sites v1 lacks", async () => {
    const result = await check(
      ["--json", "--namespace", "default", "--manifest", manifest("v1")],
      database.url,
    );
    const report = JSON.parse(result.stdout) as {
      counts: Record<string, number>;
      workflows: { runs: { runId: string; verdict: string; missingCursors?: { cursor: string }[] }[] }[];
    };
    expect(report.counts).toEqual({ unchanged: 2, drift: 1, patch: 0, stuck: 0 });
    const c = report.workflows[0]!.runs.find((r) => r.runId === runs.c);
    expect(c?.missingCursors?.map((m) => m.cursor)).toEqual([
      "patched:visa-check#0",
      "activity:travel.checkVisa#0",
    ]);
  });

  it("reports a bad manifest or missing flag with the usage exit codes", async () => {
    expect((await check([], database.url)).code).toBe(2);
    const missing = await check(["--manifest", "/nonexistent/continuum-manifest.json"], database.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "CTM_INVALID_ARGUMENT: manifest /nonexistent/continuum-manifest.json cannot be read",
    );
  });
});
