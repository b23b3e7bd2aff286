import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import {
  createEngine,
  createInspector,
  openJournal,
  type Journal,
  type OpenJournalOptions,
} from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { cliBackends } from "../test-support/cli-backends.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum runs terminate|retry`, `continuum repair` and `continuum audit-log` on PostgreSQL
// and on an embedded PGlite data directory: what they change, what they print, what they audit.

const options = {
  retry: {
    maxAttempts: 1,
    initialIntervalMs: 1000,
    backoffCoefficient: 2,
    maxIntervalMs: 60_000,
    nonRetryableErrors: [],
  },
  startToCloseMs: 30_000,
};

/** A run whose first activity completed and whose second failed for good, then the run failed. */
async function seedFailedRun(journal: Journal, workflowId: string): Promise<string> {
  const { run } = await journal.startRun({
    namespace: "ops",
    workflowId,
    workflowName: "order",
    versionHash: "v1",
    input: null,
  });
  const step = async (spec: {
    events: Parameters<Journal["commitStep"]>[0]["events"];
    tasks?: string[];
    failed?: boolean;
  }) => {
    const claim = (await journal.claimRuns({ owner: "seed", limit: 100, leaseMs: 60_000 })).find(
      (c) => c.run.runId === run.runId,
    )!;
    await journal.commitStep({
      lease: claim.lease,
      lastSeq: claim.run.lastSeq,
      delivered: claim.inbox.map((i) => i.id),
      events: [...claim.inbox.map((i) => i.event), ...spec.events],
      tasks: (spec.tasks ?? []).map((identity) => ({ identity, activityName: identity, args: [], options })),
      timers: [],
      cancelTimers: [],
      run:
        spec.failed === true
          ? { status: "failed", error: { name: "Error", message: "declined" } }
          : { status: "running" },
    });
  };
  const scheduled = (identity: string) => ({
    kind: "activity_scheduled" as const,
    identity,
    activityName: identity,
    args: [],
    options,
  });
  const finish = async (identity: string, ok: boolean) => {
    const task = (await journal.claimTasks({ owner: "seed", limit: 100 })).find(
      (t) => t.runId === run.runId && t.identity === identity,
    )!;
    await journal.finishTask(
      task,
      ok
        ? { kind: "completed", result: "ok" }
        : { kind: "failed", error: { name: "Error", message: "declined" } },
    );
  };
  await step({ events: [scheduled("reserve")], tasks: ["reserve"] });
  await finish("reserve", true);
  await step({ events: [scheduled("charge")], tasks: ["charge"] });
  await finish("charge", false);
  await step({ events: [], failed: true });
  return run.runId;
}

/** Runs, each waiting on one timer that was due an hour ago (no timer wheel ran). */
async function seedOverdueTimers(journal: Journal, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { run } = await journal.startRun({
      namespace: "ops",
      workflowId: `${prefix}-${i}`,
      workflowName: "nap",
      versionHash: "v1",
      input: null,
    });
    ids.push(run.runId);
  }
  const claims = await journal.claimRuns({ owner: "seed", limit: count + 10, leaseMs: 60_000 });
  const until = (await journal.now()) - 3_600_000;
  for (const runId of ids) {
    const claim = claims.find((c) => c.run.runId === runId)!;
    await journal.commitStep({
      lease: claim.lease,
      lastSeq: 1,
      delivered: [],
      events: [{ kind: "timer_started", identity: "nap#0@0", until }],
      tasks: [],
      timers: [{ identity: "nap#0@0", until }],
      cancelTimers: [],
      run: { status: "running" },
    });
    // Given back, as by an engine that stopped: nobody holds the waiting runs.
    await journal.releaseRun(claim.lease);
  }
  return ids;
}

const backends = cliBackends("ops");

for (const backend of backends) {
  describe(`continuum operator commands on ${backend.name}`, () => {
    let open: OpenJournalOptions;
    let env: Record<string, string>;
    let extra: string[];
    const cli = async (argv: string[], cwd?: string) => {
      const io = captured(env, cwd);
      const code = await main([...argv, ...extra], io);
      return { code, out: io.out(), err: io.err() };
    };
    // The data directory is one process's at a time: the test opens it only between CLI calls.
    const withJournal = async <T>(body: (journal: Journal) => Promise<T>): Promise<T> => {
      const journal = await openJournal(open);
      try {
        return await body(journal);
      } finally {
        await journal.close();
      }
    };

    beforeAll(async () => {
      const setup = await backend.setup();
      ({ open, env, args: extra } = setup);
      await withJournal(async () => {}); // migrates
    }, 120_000);
    afterAll(() => backend.teardown());

    it("runs terminate ends a run nobody holds at once; runs retry starts the failed run again from its failure; both audited", async () => {
      // The failed run first: its seeding claims every ready run.
      const { waitingId, failedId } = await withJournal(async (journal) => {
        const failed = await seedFailedRun(journal, "order-9");
        const { run } = await journal.startRun({
          namespace: "ops",
          workflowId: "held",
          workflowName: "order",
          versionHash: "v1",
          input: null,
        });
        return { waitingId: run.runId, failedId: failed };
      });
      const terminated = await cli(["runs", "terminate", waitingId, "--reason", "stuck", "--actor", "ann"]);
      expect(terminated.code, terminated.err).toBe(0);
      expect(terminated.out).toContain(`termination requested for run ${waitingId}`);

      const retried = await cli(["runs", "retry", "order-9", "--json"]);
      expect(retried.code, retried.err).toBe(0);
      const outcome = JSON.parse(retried.out) as {
        runId: string;
        retriedFrom: string;
        rescheduled: string[];
        copiedEvents: number;
      };
      expect(outcome).toMatchObject({ retriedFrom: failedId, rescheduled: ["charge"] });
      await withJournal(async (journal) => {
        expect((await journal.getRun(waitingId))?.status).toBe("cancelled");
        expect((await journal.getRun(failedId))?.status).toBe("failed");
        const next = await journal.getRunByWorkflowId("ops", "order-9");
        expect(next).toMatchObject({
          runId: outcome.runId,
          status: "running",
          lastSeq: outcome.copiedEvents,
        });
        const tasks = await createInspector(journal).tasks(outcome.runId);
        // The copied call's outcome is read from the history (it has no task row); charge is due again.
        expect(tasks.map((t) => [t.activityName, t.status, t.attempt, t.fromHistory])).toEqual([
          ["reserve", "completed", 1, true],
          ["charge", "pending", 0, undefined],
        ]);
      });
      const refused = await cli(["runs", "retry", waitingId]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("CTM_RUN_NOT_RETRYABLE");

      const log = await cli(["audit-log", "--json"]);
      expect(log.code, log.err).toBe(0);
      const entries = (
        JSON.parse(log.out) as {
          entries: {
            action: string;
            actor: string;
            outcome: string;
            runId: string;
            origin: { via: string; host?: string };
          }[];
        }
      ).entries;
      expect(entries.map((e) => [e.action, e.outcome, e.runId])).toEqual([
        ["retry", "failed", waitingId],
        ["retry", "succeeded", failedId],
        ["terminate", "succeeded", waitingId],
      ]);
      expect(entries[2]?.actor).toBe("ann");
      expect(entries[1]?.actor).toBe(userInfo().username);
      expect(entries[0]?.origin).toMatchObject({ via: "cli", host: expect.any(String) });
      const shown = await cli(["runs", "show", waitingId]);
      expect(shown.out).toContain("operator actions");
      expect(shown.out).toContain("terminate");
      const table = await cli(["audit-log", "--run", failedId]);
      expect(table.out.split("\n").filter((line) => line.includes("retry"))).toHaveLength(1);
    }, 180_000);

    it("repair overdue-timers: the dry run lists the changes and changes nothing; --execute --plan applies exactly those, skipping rows changed since", async () => {
      const runIds = await withJournal((journal) => seedOverdueTimers(journal, "nap", 4));
      const dry = await cli(["repair", "overdue-timers", "--namespace", "ops", "--json"]);
      expect(dry.code, dry.err).toBe(0);
      const plan = JSON.parse(dry.out) as {
        finding: string;
        dryRun: boolean;
        items: { runId: string; kind: string }[];
      };
      expect(plan.dryRun).toBe(true);
      expect(plan.items.map((i) => i.runId).sort()).toEqual([...runIds].sort());
      const text = await cli(["repair", "overdue-timers", "--namespace", "ops"]);
      expect(text.out.split("\n").filter((line) => line.includes("fire timer"))).toHaveLength(4);
      expect(text.err).toContain("dry run: 4 change(s)");
      // After the plan: one run is terminated (its timer is dropped), so its change is stale.
      await withJournal(async (journal) => {
        for (const runId of runIds) expect(await createInspector(journal).timers(runId)).toHaveLength(1);
        await journal.requestCancel(runIds[0]!, "gone", { force: true });
      });
      const dir = mkdtempSync(join(tmpdir(), "ctm-plan-"));
      writeFileSync(join(dir, "plan.json"), dry.out);
      const done = await cli(
        ["repair", "overdue-timers", "--execute", "--plan", "plan.json", "--json", "--actor", "ann"],
        dir,
      );
      rmSync(dir, { recursive: true, force: true });
      expect(done.code, done.err).toBe(0);
      const result = JSON.parse(done.out) as { applied: { runId: string }[]; skipped: { runId: string }[] };
      expect(result.applied.map((i) => i.runId).sort()).toEqual(runIds.slice(1).sort());
      expect(result.skipped.map((i) => i.runId)).toEqual([runIds[0]]);
      await withJournal(async (journal) => {
        const inspector = createInspector(journal);
        for (const runId of runIds.slice(1)) {
          expect(await inspector.timers(runId)).toEqual([]);
          expect((await inspector.inbox(runId)).map((i) => i.kind)).toEqual(["timer_fired"]);
        }
        const [entry] = (await inspector.auditLog()).entries;
        expect(entry).toMatchObject({ action: "repair", actor: "ann", result: { applied: 3, skipped: 1 } });
      });
      const again = await cli(["repair", "overdue-timers", "--namespace", "ops", "--execute"]);
      expect(again.err).toContain("0 change(s) applied, 0 skipped");
    }, 180_000);

    if (backend.name === "PostgreSQL")
      it("repair --execute while an engine's timer wheel runs on the same database: every timer fires exactly once", async () => {
        const runIds = await withJournal((journal) => seedOverdueTimers(journal, "race", 40));
        const journal = await openJournal(open);
        const engine = createEngine({ journal, workflows: [], activities: [], pollIntervalMs: 5 });
        try {
          const dry = await cli([
            "repair",
            "overdue-timers",
            "--namespace",
            "ops",
            "--limit",
            "1000",
            "--json",
          ]);
          const planned = (JSON.parse(dry.out) as { items: { runId: string }[] }).items.map((i) => i.runId);
          expect(planned.sort()).toEqual([...runIds].sort());
          engine.start();
          const done = await cli([
            "repair",
            "overdue-timers",
            "--namespace",
            "ops",
            "--limit",
            "1000",
            "--execute",
            "--json",
          ]);
          expect(done.code, done.err).toBe(0);
          const result = JSON.parse(done.out) as {
            applied: { runId: string }[];
            skipped: { runId: string }[];
          };
          const inspector = createInspector(journal);
          await expect
            .poll(async () => (await Promise.all(runIds.map((id) => inspector.timers(id)))).flat().length, {
              timeout: 60_000,
            })
            .toBe(0);
          for (const runId of runIds)
            expect(
              (await inspector.inbox(runId)).filter((i) => i.kind === "timer_fired"),
              runId,
            ).toHaveLength(1);
          // What repair applied and what the wheel fired split the timers between them.
          expect(result.applied.length + result.skipped.length).toBeLessThanOrEqual(runIds.length);
          expect(new Set(result.applied.map((i) => i.runId)).size).toBe(result.applied.length);
        } finally {
          await engine.stop();
          await journal.close();
        }
      }, 180_000);
  });
}
