import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// `pnpm orders` as a user runs it, in real processes: src/main.ts under the transformer's node
// loader (built by `pnpm run build`, which `pnpm test` runs first), on one kept data directory.
const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const dataDir = join(mkdtempSync(join(tmpdir(), "ctm-orders-kept-")), "pgdata");
afterAll(() => rmSync(join(dataDir, ".."), { recursive: true, force: true }));

interface MainRun {
  readonly output: Promise<{ code: number | null; signal: NodeJS.Signals | null; text: string }>;
  /** Resolves with the output so far once it contains `text`. */
  printed(text: string): Promise<string>;
  kill(): void;
}

function startMain(): MainRun {
  const env: NodeJS.ProcessEnv = { ...process.env, CONTINUUM_DATA_DIR: dataDir };
  delete env.DATABASE_URL; // the embedded database is what this test is about
  const child = spawn(
    process.execPath,
    ["--import", "@continuum/transformer/register", join("src", "main.ts")],
    {
      cwd: exampleDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let text = "";
  const watchers = new Set<() => void>();
  const collect = (chunk: string) => {
    text += chunk;
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout.setEncoding("utf8").on("data", collect);
  child.stderr.setEncoding("utf8").on("data", collect);
  const output = new Promise<{ code: number | null; signal: NodeJS.Signals | null; text: string }>(
    (resolve) => child.on("close", (code, signal) => resolve({ code, signal, text })),
  );
  return {
    output,
    printed: (wanted) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!text.includes(wanted)) return;
          watchers.delete(check);
          resolve(text);
        };
        watchers.add(check);
        check();
        void output.then(() => reject(new Error(`exited without printing ${wanted}:\n${text}`)));
      }),
    kill: () => child.kill("SIGKILL"),
  };
}

const summary = (batch: number) => [
  `  o-${batch}001: shipped, tracking TRK-O-${batch}001`,
  `  o-${batch}002: shipped, tracking TRK-O-${batch}002`,
  `  o-${batch}003: refunded (fraud_rejected)`,
  `  o-${batch}004: refunded (review_timed_out)`,
  `  o-${batch}005: shipped, tracking TRK-O-${batch}005`,
  `  o-${batch}006: refunded (shipping_failed)`,
  `  batch b-${batch}: 3 shipped, 3 refunded`,
];

describe("the orders example's main job on a kept data directory (real processes)", () => {
  it("runs again and again: each run places the next batch and ends as the fraud team decided", async () => {
    const first = await startMain().output;
    expect(first.code, first.text).toBe(0);
    expect(first.text).toMatch(
      /^Opening the embedded database in .* \(a first start creates and migrates it/,
    );
    expect(first.text).toMatch(/created and migrated to version \d+ in [\d.]+ s/);
    expect(first.text).toContain("placed batch b-1 (6 orders)");
    expect(first.text).toContain(summary(1).join("\n"));

    const second = await startMain().output;
    expect(second.code, second.text).toBe(0);
    expect(second.text).toMatch(/opened at schema version \d+ in [\d.]+ s/);
    expect(second.text).not.toContain("creating");
    expect(second.text).toContain("placed batch b-2 (6 orders)");
    expect(second.text).toContain(summary(2).join("\n"));
  }, 240_000);

  it("resumes a batch whose process was SIGKILLed midway, and ends it the same way", async () => {
    const killed = startMain();
    const placed = /placed batch b-(\d+) /.exec(await killed.printed(" orders) -> run "));
    killed.kill();
    const batch = Number(placed?.[1]);
    expect((await killed.output).signal).toBe("SIGKILL");

    const resumed = await startMain().output;
    expect(resumed.code, resumed.text).toBe(0);
    expect(resumed.text).toMatch(/took over the lock of pid \d+, which is gone/);
    expect(resumed.text).toContain(`resuming batch b-${batch} (6 orders), left unfinished by an earlier run`);
    expect(resumed.text).toContain(summary(batch).join("\n"));
  }, 240_000);
});
