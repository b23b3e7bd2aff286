import { openJournal, type Journal, type OpenJournalOptions } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { cliBackends } from "../test-support/cli-backends.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum partitions list|ensure|drop` on PostgreSQL and on an embedded PGlite data
// directory: a journal whose history sits in the default partition is listed with a warning,
// converted by `ensure`, and `drop` never drops a month that runs still have history in.

interface Listed {
  readonly name: string;
  readonly kind: "range" | "default";
  readonly from?: string;
  readonly to?: string;
  readonly rows: number;
  readonly months: readonly { month: string; rows: number }[];
}

for (const backend of cliBackends("partitions")) {
  describe(`continuum partitions (${backend.name})`, () => {
    let open: OpenJournalOptions;
    let env: Record<string, string>;
    let args: string[];
    const runIds: string[] = [];
    const cli = async (argv: string[]) => {
      const io = captured(env);
      const code = await main([...argv, ...args], io);
      return { code, out: io.out(), err: io.err() };
    };

    beforeAll(async () => {
      ({ open, env, args } = await backend.setup());
      const journal: Journal = await openJournal({ ...open, partitionMonthsAhead: 0 });
      try {
        // Every month is still empty: dropping all of them leaves only the default partition,
        // as in a journal that ran for months without partitions.
        await journal.admin!.dropPartitions({ before: "9999-01-01", execute: true });
        for (let i = 0; i < 12; i++) {
          const { run } = await journal.startRun({
            namespace: "ops",
            workflowId: `p-${i}`,
            workflowName: "order",
            versionHash: "v1",
            input: i,
          });
          runIds.push(run.runId);
        }
      } finally {
        await journal.close();
      }
    }, 60_000);
    afterAll(() => backend.teardown());

    it("list shows the default partition's rows per month and warns", async () => {
      const json = await cli(["partitions", "list", "--json"]);
      expect(json.code).toBe(0);
      const parts = JSON.parse(json.out) as Listed[];
      const fallback = parts.find((p) => p.kind === "default")!;
      expect(fallback.rows).toBe(12);
      expect(fallback.months).toHaveLength(1);
      const text = await cli(["partitions", "list"]);
      expect(text.out).toMatch(/events_default/);
      expect(text.out).toMatch(/warning: 12 event\(s\) in the default partition/);
      expect(text.out).toMatch(/fix: continuum partitions ensure/);
      // The health report shows them as a warning (not a problem: nothing is wrong yet).
      const health = await cli(["health"]);
      expect(health.out).toMatch(/12 event\(s\) in the default partition \(continuum partitions list\)/);
    });

    it("ensure moves the month out of the default partition and creates the next ones", async () => {
      const done = await cli(["partitions", "ensure", "--months", "3", "--batch-runs", "5", "--json"]);
      expect(done.code).toBe(0);
      const result = JSON.parse(done.out) as {
        created: string[];
        converted: { month: string; runs: number; events: number }[];
      };
      expect(result.converted).toEqual([{ month: expect.stringMatching(/-01$/), runs: 12, events: 12 }]);
      // The CLI's own open created the two months ahead already (they had no rows).
      expect(result.created).toEqual([]);
      const parts = JSON.parse((await cli(["partitions", "list", "--json"])).out) as Listed[];
      expect(parts.find((p) => p.kind === "default")!.rows).toBe(0);
      expect(parts.filter((p) => p.kind === "range")).toHaveLength(4); // the month's two parts and two ahead
      // Every run's history is still there, through the read model.
      const journal = await openJournal(open);
      try {
        for (const runId of runIds)
          expect((await journal.readHistory(runId)).map((e) => e.kind)).toEqual(["run_started"]);
      } finally {
        await journal.close();
      }
      const again = await cli(["partitions", "ensure", "--months", "3"]);
      expect(again.out).toMatch(/partitions for 3 month\(s\) ahead exist/);
      const health = await cli(["health"]);
      expect(health.out).toMatch(/history\s+4 monthly partition\(s\); default partition empty/);
    });

    it("drop is a dry run by default, keeps months runs still hold, and refuses a bad cutoff", async () => {
      const dry = await cli(["partitions", "drop", "--older-than", "0mo"]);
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/Dry run: nothing dropped\. Would drop 0 partition/);
      const bad = await cli(["partitions", "drop", "--older-than", "12d"]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/expected whole months such as 12mo/);
      // This month and the coming ones are never dropped, whatever the cutoff.
      const journal = await openJournal(open);
      try {
        const all = await journal.admin!.dropPartitions({ before: "9999-01-01", execute: true });
        expect(all).toMatchObject({ dropped: [], kept: [] });
        expect((await journal.admin!.partitions()).filter((p) => p.kind === "range")).toHaveLength(4);
        for (const runId of runIds) expect(await journal.readHistory(runId)).toHaveLength(1);
      } finally {
        await journal.close();
      }
    });
  });
}
