import type { ScenarioRunner } from "../case.ts";
import { runScale } from "../scale/run-scale.ts";
import { percentile } from "../support/stats.ts";

/**
 * The scale scenario (issue 17) in the main plan: `engines` engine processes on one fresh
 * database (see scale/run-scale.ts), on this host. Its netns mode and the 1-8 sweep with the
 * load beside each row are `pnpm bench:scale`.
 */
export const scaleScenario: ScenarioRunner = async (p) => {
  const r = await runScale({
    engines: p.engines as number,
    runs: p.runs as number,
    latencyRuns: p.latencyRuns as number,
    concurrency: 8,
    rounds: p.rounds as number,
    separateHosts: false,
    poolSize: 4,
  });
  return {
    wfPerSec: r.wfPerSec,
    p50Ms: r.latencyP50,
    p99Ms: r.latencyP99,
    minMaxShare: r.minMaxRatio,
    signalWakeP50Ms: percentile(r.signalWake, 0.5),
    childWakeP50Ms: percentile(r.childWake, 0.5),
    timerWakeP50Ms: percentile(r.timerWake, 0.5),
    commitsPerWf: r.commitsPerSec / r.wfPerSec,
  };
};
