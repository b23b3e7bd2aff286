import { describe, expect, it } from "vitest";
import { scenarioNames } from "../src/case.ts";
import { jobsFor, runPlan } from "../src/main.ts";
import { buildPlan } from "../src/plan.ts";
import { aggregate, checkTargets, continuumOnlyMetrics, scenarioColumns } from "../src/report.ts";

// Runs the whole benchmark in smoke mode (tiny sizes, every peer, the real PostgreSQL server and
// embedded PGlite) so the harness cannot rot. It asserts that figures were produced, never
// what they are: speed is reported in bench/README.md, not asserted. Smoke mode has no time limit
// of its own (no kill timer per case process, no per-workflow deadline): a loaded machine makes
// it slower, never failed. The generous timeout below (about 50 s quiet) only catches a hang.
describe("bench smoke run", () => {
  it(
    "produces every scenario's figures for every peer that takes part in it",
    { timeout: 20 * 60_000 },
    async () => {
      const plan = buildPlan("smoke", 1);
      expect(new Set(plan.map((p) => p.scenario))).toEqual(new Set(scenarioNames));
      // No kill timer on the smoke run's case processes (a full run keeps its per-case limit).
      expect(jobsFor(plan, "smoke").map((job) => job.timeoutMs)).not.toContain(expect.any(Number));
      expect(jobsFor(buildPlan("full", 1), "full").every((job) => (job.timeoutMs ?? 0) > 0)).toBe(true);

      const results = await runPlan(plan, "smoke", () => {});

      const failures = results
        .filter((r) => r.error !== undefined)
        .map((r) => `${r.scenario}/${r.peer}: ${r.error}`);
      expect(failures).toEqual([]);
      for (const item of plan) {
        for (const peer of item.peers) {
          const result = results.find(
            (r) => r.scenario === item.scenario && r.variant === item.variant && r.peer === peer,
          );
          expect(result, `${item.scenario} ${item.variant} ${peer}`).toBeDefined();
          for (const [metric] of scenarioColumns[item.scenario]) {
            if (continuumOnlyMetrics.has(metric) && !peer.startsWith("continuum")) continue;
            expect(
              Number.isFinite(result?.metrics[metric]),
              `${item.scenario} ${peer} ${metric} = ${result?.metrics[metric]}`,
            ).toBe(true);
          }
        }
      }
      // Database work per workflow is counted for every peer on the server: at least one
      // statement per step for the others; Continuum's group commit writes the steps of many
      // runs with one statement, so for it only a count above zero is certain.
      for (const peer of ["continuum-pg", "dbos", "pg-boss", "graphile-worker", "pg-raw"] as const) {
        const t = results.find((r) => r.scenario === "throughput" && r.peer === peer);
        if (peer === "continuum-pg") expect(t?.metrics.statementsPerWf, peer).toBeGreaterThan(0);
        else expect(t?.metrics.statementsPerWf, peer).toBeGreaterThanOrEqual(3);
      }
      // Every target can be judged from a run's figures.
      expect(checkTargets(aggregate(results)).map((c) => c.met)).not.toContain(undefined);
    },
  );
});
