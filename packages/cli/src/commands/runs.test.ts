import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openJournal } from "@continuum/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { cliBackends } from "../test-support/cli-backends.ts";
import { captured } from "../test-support/captured-io.ts";
import { seedJournal, type SeededRuns } from "../test-support/seed-journal.ts";

// `continuum runs|workflows|health` on PostgreSQL (DATABASE_URL) and on an embedded PGlite data
// directory (--data-dir): output content and exit codes.

const backends = cliBackends("runs");

for (const backend of backends) {
  // Each CLI call on PGlite opens the data directory again: seconds, and tens of seconds on a busy
  // machine; the runner's timeout is sized for that, nothing here measures time.
  const timeout = backend.name === "PostgreSQL" ? 30_000 : 240_000;
  describe(`continuum runs, workflows, health on ${backend.name}`, { timeout }, () => {
    let runs: SeededRuns;
    let env: Record<string, string>;
    let extra: string[];
    const cli = async (argv: string[], options: { tty?: boolean } = {}) => {
      const io = { ...captured(env), ...(options.tty === true ? { isTTY: true } : {}) };
      const code = await main([...argv, ...extra], io);
      return { code, out: io.out(), err: io.err() };
    };

    beforeAll(async () => {
      const setup = await backend.setup();
      env = setup.env;
      extra = setup.args;
      const journal = await openJournal(setup.open);
      try {
        runs = await seedJournal(journal);
      } finally {
        await journal.close();
      }
    }, 120_000);
    afterAll(() => backend.teardown());

    // Every filter on PostgreSQL; each CLI call on PGlite reopens the data directory (seconds).
    if (backend.name === "PostgreSQL")
      it("runs list --json: newest first, with counts; filters narrow it", async () => {
        const all = await cli(["runs", "list", "--json"]);
        expect(all.code, all.err).toBe(0);
        const page = JSON.parse(all.out) as {
          runs: { runId: string; workflowId: string }[];
          counts: Record<string, number>;
        };
        expect(page.runs.map((r) => r.workflowId)).toEqual(["held-1", "invoice-1", "order-2", "order-1"]);
        expect(page.counts).toMatchObject({ running: 2, failed: 1, completed: 1, total: 4 });
        const ids = async (...flags: string[]) =>
          (JSON.parse((await cli(["runs", "list", "--json", ...flags])).out) as typeof page).runs.map(
            (r) => r.workflowId,
          );
        expect(await ids("--status", "failed")).toEqual(["order-2"]);
        expect(await ids("--status", "failed,completed")).toEqual(["invoice-1", "order-2"]);
        expect(await ids("--search", "order-")).toEqual(["order-2", "order-1"]);
        expect(await ids("--search", runs.completed.slice(0, 10))).toEqual(["invoice-1"]);
        expect(await ids("--workflow", "invoice")).toEqual(["invoice-1"]);
        expect(await ids("--attr", "tier=gold")).toEqual(["order-1"]);
        // typed conditions (the query builder, never SQL): a prefix, and a number range that a
        // string attribute does not satisfy
        expect(await ids("--attr", "tier^=go", "--attr", "tier=gold")).toEqual(["order-1"]);
        expect(await ids("--attr", "tier^=x")).toEqual([]);
        expect(await ids("--attr", "tier>=0")).toEqual([]);
        const bad = await cli(["runs", "list", "--attr", "tier>lots"]);
        expect(bad.code).toBe(1);
        expect(bad.err).toContain("CTM_INVALID_ATTRIBUTE_QUERY");
        expect(await ids("--since", "1h", "--namespace", "shop", "--limit", "2")).toEqual([
          "held-1",
          "invoice-1",
        ]);
        expect(await ids("--until", "2000-01-01")).toEqual([]);
      });

    it("runs list: tab-separated off a terminal, a coloured table with counts and the next cursor on one", async () => {
      const plain = await cli(["runs", "list", "--limit", "3"]);
      expect(plain.code).toBe(0);
      const lines = plain.out.trimEnd().split("\n");
      expect(lines[0]).toBe("RUN ID\tNAMESPACE\tWORKFLOW ID\tWORKFLOW\tVERSION\tSTATUS\tSTARTED\tUPDATED");
      expect(lines).toHaveLength(4);
      expect(lines[1]!.split("\t").slice(0, 6)).toEqual([
        runs.ready,
        "shop",
        "held-1",
        "order",
        "v1",
        "running",
      ]);
      expect(plain.out).not.toContain("\u001b[");
      const tty = await cli(["runs", "list", "--limit", "3"], { tty: true });
      expect(tty.out).toContain("\u001b[");
      expect(tty.out).toMatch(/shop +held-1 +order +v1/);
      expect(tty.err).toMatch(/4 run\(s\) match: running 2, completed 1, failed 1/);
      const next = /older: --after (\d+)/.exec(tty.err)?.[1];
      expect(next).toBeDefined();
      const older = await cli(["runs", "list", "--json", "--limit", "3", "--after", next!]);
      expect(
        (JSON.parse(older.out) as { runs: { workflowId: string }[] }).runs.map((r) => r.workflowId),
      ).toEqual(["order-1"]);
    });

    it("runs list refuses bad flags with usage (exit 2)", async () => {
      for (const [flags, message] of [
        [["--status", "sleeping"], /--status "sleeping": expected one of running/],
        [["--limit", "0"], /--limit "0"/],
        [["--since", "yesterday"], /--since "yesterday"/],
        [["--attr", "tier"], /expected key=value/],
        [["--after", "1", "--before", "2"], /not both/],
      ] as const) {
        const result = await cli(["runs", "list", ...flags]);
        expect(result.code, result.err).toBe(2);
        expect(result.err).toMatch(message);
      }
      const cursor = await cli(["runs", "list", "--after", "abc"]);
      expect(cursor.code).toBe(1);
      expect(cursor.err).toContain("CTM_INVALID_CURSOR");
    });

    it("runs show: lease, next wake-up, the failure with its fix line, activities, timers; by run id or workflow id", async () => {
      const shown = await cli(["runs", "show", "order-1"]);
      expect(shown.code, shown.err).toBe(0);
      expect(shown.out).toMatch(new RegExp(`^run +${runs.waiting}$`, "m"));
      expect(shown.out).toMatch(/lease +seed, expires /);
      expect(shown.out).toMatch(/next wake-up +\d{4}-\d\d-\d\d /);
      expect(shown.out).toContain('"placed":"2026-01-02T00:00:00.000Z"');
      expect(shown.out).toMatch(/charge#0@0\tpayments\.charge\tpending\t1\/3\t.*E_CARD: card declined/);
      expect(shown.out).toMatch(/sleep#0@0\t\d{4}-/);
      const failed = await cli(["runs", "show", runs.failed]);
      expect(failed.out).toContain('CTM_RUN_NOT_FOUND (RunNotFoundError): no run with id "customer-7"');
      expect(failed.out).toContain("fix: check the id returned by client.start()");
      const json = JSON.parse((await cli(["runs", "show", "invoice-1", "--json"])).out) as {
        run: { result: unknown; status: string };
      };
      expect(json.run).toMatchObject({ status: "completed", result: { total: "10n" } });
      const missing = await cli(["runs", "show", "no-such-run"]);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/CTM_RUN_NOT_FOUND: no run with id "no-such-run"\n {2}fix: /);
    });

    it("runs history: pages with a cursor, --all to the end, decoded payloads", async () => {
      const first = await cli(["runs", "history", "order-1", "--limit", "2"]);
      expect(first.code, first.err).toBe(0);
      const lines = first.out.trimEnd().split("\n");
      expect(lines.map((line) => line.split("\t")[3])).toEqual(["KIND", "run_started", "activity_scheduled"]);
      expect(first.err).toContain("more: --after-seq 2");
      const rest = await cli(["runs", "history", "order-1", "--after-seq", "2", "--json"]);
      const page = JSON.parse(rest.out) as {
        events: { seq: number; kind: string; identity?: string }[];
        nextAfterSeq?: number;
      };
      expect(page.events.map((e) => [e.seq, e.kind, e.identity])).toEqual([
        [3, "timer_started", "sleep#0@0"],
      ]);
      expect(page.nextAfterSeq).toBeUndefined();
      const all = await cli(["runs", "history", runs.waiting, "--all", "--json", "--limit", "1"]);
      const events = all.out
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { seq: number; data: unknown });
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events[0]!.data).toMatchObject({
        input: { orderId: "order-1", placed: "2026-01-02T00:00:00.000Z" },
      });
      const bad = await cli(["runs", "history", "order-1", "--limit", "9999"]);
      expect(bad.code).toBe(2);
    });

    it("runs signal: validated JSON payload, delivered to the run's inbox; refused for finished runs", async () => {
      const sent = await cli(["runs", "signal", "order-1", "approve", "--payload", '{"by":"ann"}']);
      expect(sent.code, sent.err).toBe(0);
      expect(sent.out).toContain(`signal "approve" sent to run ${runs.waiting}`);
      const shown = JSON.parse((await cli(["runs", "show", "order-1", "--json"])).out) as {
        inbox: { kind: string; data: unknown }[];
      };
      expect(shown.inbox).toEqual([
        expect.objectContaining({
          kind: "signal_received",
          data: { name: "approve", payload: { by: "ann" } },
        }),
      ]);
      const invalid = await cli(["runs", "signal", "order-1", "approve", "--payload", "{by: ann}"]);
      expect(invalid.code).toBe(2);
      expect(invalid.err).toMatch(/--payload is not valid JSON .*--payload '"approved"'/);
      const finished = await cli(["runs", "signal", "invoice-1", "approve"]);
      expect(finished.code).toBe(1);
      expect(finished.err).toContain("CTM_RUN_FINISHED");
    });

    // A plain cancel only asks (the run stays running, so the counts below hold); --force on a
    // run no engine holds ends it at once: operator-commands.test.ts covers that (runs terminate).
    it("runs cancel: the reason reaches the run's inbox as a cancel request", async () => {
      const cancelled = await cli(["runs", "cancel", "held-1", "--reason", "customer asked"]);
      expect(cancelled.code, cancelled.err).toBe(0);
      expect(cancelled.out).toContain(`cancellation requested for run ${runs.ready}`);
      const shown = JSON.parse((await cli(["runs", "show", "held-1", "--json"])).out) as {
        run: { status: string };
        inbox: { kind: string; data: unknown }[];
        operatorActions: { action: string; parameters: unknown }[];
      };
      expect(shown.run.status).toBe("running");
      expect(shown.inbox).toEqual([
        expect.objectContaining({ kind: "cancel_requested", data: { reason: "customer asked" } }),
      ]);
      expect(shown.operatorActions).toMatchObject([
        { action: "cancel", parameters: { reason: "customer asked" } },
      ]);
    });

    it("workflows: names and versions with runs per status", async () => {
      const result = await cli(["workflows", "--json"]);
      expect(result.code).toBe(0);
      const list = JSON.parse(result.out) as { workflowName: string; counts: Record<string, number> }[];
      expect(
        list.map((w) => [
          w.workflowName,
          w.counts.running,
          w.counts.failed,
          w.counts.completed,
          w.counts.total,
        ]),
      ).toEqual([
        ["invoice", 0, 0, 1, 1],
        ["order", 2, 1, 0, 3],
      ]);
      const table = await cli(["workflows"]);
      expect(table.out.split("\n")[0]).toBe(
        "WORKFLOW\tVERSION\tRUNNING\tSTUCK\tCOMPLETED\tFAILED\tCANCELLED\tCONTINUED\tTOTAL\tLAST STARTED",
      );
    });

    it("health: exit 1 with the unclaimed ready run listed, exit 0 when nothing is stale yet", async () => {
      const calm = await cli(["health", "--stale-after", "1h"]);
      expect(calm.code, calm.out + calm.err).toBe(0);
      expect(calm.out).toContain("healthy: no problems found");
      expect(calm.out).toMatch(/runs +4 total: running 2, completed 1, failed 1/);
      const strict = await cli(["health", "--stale-after", "0s", "--json"]);
      expect(strict.code).toBe(1);
      const report = JSON.parse(strict.out) as {
        problems: { kind: string; fix: string }[];
        unclaimedReadyRuns: { sample: { runId: string }[] };
      };
      expect(report.problems.map((p) => p.kind)).toContain("unclaimed_ready_runs");
      expect(report.unclaimedReadyRuns.sample.map((r) => r.runId)).toContain(runs.ready);
      const text = await cli(["health", "--stale-after", "0s"]);
      expect(text.code).toBe(1);
      expect(text.out).toMatch(
        /unclaimed_ready_runs: \d+ run\(s\) ready for over 0 s[\s\S]*fix: start an engine/,
      );
      expect((await cli(["health", "--stale-after", "soon"])).code).toBe(2);
    });

    it("runs cancel --force terminates a run no engine holds, at once", async () => {
      const forced = await cli(["runs", "cancel", "held-1", "--force", "--reason", "customer asked"]);
      expect(forced.code, forced.err).toBe(0);
      expect(forced.out).toContain(`run ${runs.ready} (workflow id held-1) terminated: no engine held it`);
      const shown = JSON.parse((await cli(["runs", "show", "held-1", "--json"])).out) as {
        run: { status: string };
      };
      expect(shown.run.status).toBe("cancelled");
      const history = (await cli(["runs", "history", "held-1", "--json"])).out;
      expect(history).toContain('"run_cancelled"');
    });

    it("--help on every command exits 0 and names its options", async () => {
      for (const [argv, option] of [
        [["runs", "--help"], "list"],
        [["runs", "list", "--help"], "--status <status>"],
        [["runs", "show", "--help"], "--namespace <ns>"],
        [["runs", "history", "--help"], "--after-seq <n>"],
        [["runs", "signal", "--help"], "--payload <json>"],
        [["runs", "cancel", "--help"], "--force"],
        [["workflows", "--help"], "--json"],
        [["health", "--help"], "--stale-after <duration>"],
        [["audit", "--help"], "--skip <check>"],
      ] as const) {
        const result = await cli([...argv]);
        expect(result.code, argv.join(" ")).toBe(0);
        expect(result.out).toContain(option);
        if (argv.length > 2 || argv[0] !== "runs") expect(result.out).toContain("--database-url-file <path>");
      }
    });

    it("audit: a journal written by engines keeps every invariant (exit 0); --skip is checked", async () => {
      // The seeding engine's 60 s leases may expire while a slow machine runs the suite.
      const clean = await cli(["audit", "--skip", "leases_past_expiry"]);
      expect(clean.code, clean.out + clean.err).toBe(0);
      expect(clean.out).toMatch(/history_gaps\tok/);
      expect(clean.out).toContain("4 run(s) checked: every invariant holds");
      const json = JSON.parse((await cli(["audit", "--json", "--skip", "leases_past_expiry"])).out) as {
        runs: number;
        failing: string[];
        checked: string[];
      };
      expect(json).toMatchObject({ runs: 4, failing: [] });
      expect(json.checked).not.toContain("leases_past_expiry");
      const bad = await cli(["audit", "--skip", "leases"]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("expected one of history_gaps");
    });

    if (backend.name === "PostgreSQL")
      it("audit: a gap in a run's history exits 10 and names the run (damaged by SQL, last)", async () => {
        const client = new pg.Client({ connectionString: env.DATABASE_URL });
        await client.connect();
        try {
          await client.query("DELETE FROM continuum.events WHERE run_id = $1 AND seq = 1", [runs.completed]);
        } finally {
          await client.end();
        }
        const damaged = await cli(["audit", "--skip", "leases_past_expiry"]);
        expect(damaged.code, damaged.out).toBe(10);
        expect(damaged.out).toMatch(
          new RegExp(`history_gaps \\(1\\)[\\s\\S]*${runs.completed}\\t1 distinct event`),
        );
        expect(damaged.out).toContain("history_gaps failed");
      });
  });
}

describe("an empty journal", { timeout: 240_000 }, () => {
  it("health exits 0 and runs list says nothing matched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ctm-cli-empty-"));
    try {
      writeFileSync(join(dir, "README"), "empty");
      const io = captured();
      expect(await main(["health", "--data-dir", join(dir, "pgdata")], io)).toBe(0);
      expect(io.out()).toContain("healthy");
      const list = captured();
      expect(await main(["runs", "list", "--data-dir", join(dir, "pgdata")], list)).toBe(0);
      expect(list.err).toBeDefined();
      expect(list.err()).toContain("0 run(s) match");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runs list --attr conditions", () => {
  it("parse into typed query conditions: names and values as data, numbers as numbers", async () => {
    const { attributeCondition } = await import("./runs-list.ts");
    expect(attributeCondition("customer=c-42")).toBeUndefined();
    expect({ ...attributeCondition("total>=100") }).toEqual({ kind: "range", name: "total", gte: 100 });
    expect({ ...attributeCondition("total<2.5") }).toEqual({ kind: "range", name: "total", lt: 2.5 });
    expect({ ...attributeCondition("at>2026-12-01T00:00:00Z") }).toEqual({
      kind: "range",
      name: "at",
      gt: "2026-12-01T00:00:00Z",
    });
    expect({ ...attributeCondition("note^=a'; drop") }).toEqual({
      kind: "prefix",
      name: "note",
      value: "a'; drop",
    });
    expect(() => attributeCondition("total")).toThrow(/expected key=value/);
  });
});
