import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ScaleResult } from "../src/scale/run-scale.ts";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

// The scale scenario run tiny (two engine processes on the real PostgreSQL at TEST_DATABASE_URL),
// so the harness cannot rot. It asserts what must hold whatever the machine's speed: both
// engines took part of a backlog larger than one engine's step slots (100), and every wake-up
// kind was observed across processes. Figures are reported in bench/README.md, never asserted.
describe("bench scale smoke run", () => {
  it("two engine processes share a backlog and wake each other for signals, children and timers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ctm-scale-"));
    try {
      const out = join(dir, "scale.json");
      const rounds = 2;
      const args = ["src/scale.ts", "--engines", "2", "--runs", "300", "--latency-runs", "10"];
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [...args, "--concurrency", "4", "--rounds", String(rounds), "--json", out],
          {
            cwd: benchDir,
            stdio: ["ignore", "ignore", "inherit"],
            env: {
              ...process.env,
              BENCH_PG_URL: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
            },
          },
        );
        child.on("exit", resolve);
      });
      expect(code).toBe(0);
      const { results } = JSON.parse(readFileSync(out, "utf8")) as { results: ScaleResult[] };
      expect(results).toHaveLength(1);
      const [result] = results as [ScaleResult];
      expect(result.perEngine).toHaveLength(2);
      for (const count of result.perEngine) expect(count).toBeGreaterThan(0);
      expect(result.perEngine.reduce((a, b) => a + b, 0)).toBe(300);
      for (const kind of [result.signalWake, result.childWake, result.timerWake]) {
        expect(kind).toHaveLength(rounds);
        for (const ms of kind) expect(Number.isFinite(ms)).toBe(true);
      }
      // Signal: sent from engine 1's process, its run woken on engine 0; child: completed on
      // engine 1, its parent woken on engine 0 (the runs are pinned by workflow registration).
      expect(result.crossEngineWakes).toBe(2 * rounds);
      expect(result.latencyPerEngine.reduce((a, b) => a + b, 0)).toBe(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
