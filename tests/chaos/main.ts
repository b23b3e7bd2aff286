// `pnpm chaos`: the long chaos run (a few minutes), knobs in CHAOS_* variables (tests/chaos/README.md).
// Prints the scorecard; exits 1 when an invariant was broken.
import { chaosOptionsFromEnv, freshSeed } from "./chaos-options.ts";
import { formatScorecard } from "./chaos-scorecard.ts";
import { runChaos } from "./run-chaos.ts";

const options = chaosOptionsFromEnv({
  seed: freshSeed(),
  seconds: 180,
  runs: 300,
  chains: 12,
  engines: 4,
  leaseMs: 1_500,
  clockSkewMs: 30_000,
  restarts: 3,
  settleMs: 300_000,
});
console.log(
  `chaos: seed ${options.seed}, ${options.seconds} s of faults, ${options.runs} orders, ${options.chains} chains`,
);
const report = await runChaos(options, (line) =>
  console.log(`${new Date().toISOString().slice(11, 19)} chaos: ${line}`),
);
console.log(formatScorecard(report));
process.exit(report.check.violations.length === 0 ? 0 : 1);
