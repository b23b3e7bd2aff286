import { describe, expect, it } from "vitest";
import { privatePostgresAvailable } from "../support/private-postgres.ts";
import { chaosOptionsFromEnv, freshSeed } from "./chaos-options.ts";
import { formatScorecard } from "./chaos-scorecard.ts";
import { runChaos } from "./run-chaos.ts";

// The short chaos run of `pnpm test` (the long one is `pnpm chaos`): engines in real processes
// with skewed clocks run orders (activities with idempotency keys, compensations, a sleep, a
// child, signals with and without delivery ids) and continue-as-new chains while the driver
// SIGKILLs and freezes engines, kills the LISTEN connections and restarts a private PostgreSQL
// cluster. Then every invariant of tests/chaos/README.md is checked and the scorecard printed.

const options = chaosOptionsFromEnv({
  seed: freshSeed(),
  seconds: 15,
  runs: 30,
  chains: 3,
  engines: 3,
  leaseMs: 1_500,
  clockSkewMs: 30_000,
  restarts: 1,
});

describe.skipIf(!privatePostgresAvailable())("chaos (short run)", () => {
  if (!privatePostgresAvailable())
    console.log(
      "chaos suite skipped: no PostgreSQL server binaries under /usr/lib/postgresql for a private cluster",
    );

  it("keeps every invariant under kills, freezes, a server restart, LISTEN kills and clock skew", async () => {
    const report = await runChaos(options, (line) => console.log(`chaos: ${line}`));
    console.log(formatScorecard(report));
    expect(report.check.violations).toEqual([]);
    // The faults did happen (a run that injected none would prove nothing). How many kills are
    // measured for recovery depends on the schedule and the machine's load (see the README), so
    // the bound is checked per measured kill (a violation above), not their number.
    expect(report.faults.kills.length).toBeGreaterThan(0);
    expect(report.faults.restarts.length).toBe(options.restarts);
    expect(report.faults.listenKills).toBeGreaterThan(0);
    expect(report.check.runs).toBeGreaterThan(options.runs * 2);
  }, 600_000);
});
