import { availableParallelism } from "node:os";
import { continuum } from "@continuum/transformer/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Workflow code in examples/ is compiled by the real transformer, as in a user's project.
  // The runtime's own suites hand-stamp their workflows (transformer/SPEC.md section 1) so they
  // test the runtime alone; the transformer's suites drive their own builds.
  plugins: [
    continuum({ exclude: ["packages/**", "tests/**", "bench/**", "transformer/**"], manifest: false }),
  ],
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "transformer/test/**/*.test.ts",
      "tests/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
    ],
    // In CI a JSON report is written too, so .ci/run can print a plain "N passed, N failed" line.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".vitest-report.json" },
    // Engines created without a logLevel print nothing in tests (the test kit keeps its lines in
    // env.logs); CONTINUUM_LOG_LEVEL=debug in the shell shows them.
    env: { CONTINUUM_LOG_LEVEL: process.env.CONTINUUM_LOG_LEVEL ?? "silent" },
    // The runner's timeouts catch hangs, nothing more: a cold embedded PGlite takes 2-3 s on an idle
    // machine and over 30 s on a 2-core machine under load, so they leave room for that.
    testTimeout: 120_000,
    // Vitest's default runs one file at a time on a 2-core machine (cores - 1). Most suites here
    // wait on something else: a PostgreSQL server, child engine processes, timers, Chromium. Half
    // again as many files as cores keeps both cores busy while they wait.
    maxWorkers: Math.max(2, Math.ceil(availableParallelism() * 1.5)),
    hookTimeout: 180_000,
  },
});
