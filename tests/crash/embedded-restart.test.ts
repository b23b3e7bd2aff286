import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, createEngine, openJournal, type OpenJournalProgress } from "@continuum/core";
import { afterAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { hourMs, stallFlow, stallOnce } from "./embedded-workflows.ts";

// The embedded database is locked to one process, so a restart after `kill -9` can end the dead
// process's leases at once instead of waiting them out. The killed engine held its run and its
// activity attempt for an hour; the run finishing here at all means both were released on open.

const engineScript = fileURLToPath(new URL("./embedded-engine-process.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "ctm-embedded-restart-"));
const processes: ManagedProcess[] = [];
afterAll(() => {
  for (const p of processes) p.signal("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

describe("restart on the embedded database after a SIGKILL", () => {
  it("releases the dead process's run lease and attempt on open, and the run finishes on the next engine", async () => {
    const dataDir = join(root, "pgdata");
    const first = startNodeProcess(engineScript, { DATA_DIR: dataDir });
    processes.push(first);
    const runId = (await first.waitForLine(/^STARTED /)).split(" ")[1]!;
    await first.waitForLine(/^ATTEMPT 1 /);
    first.signal("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    const steps: OpenJournalProgress[] = [];
    const journal = await openJournal({ dataDir, onProgress: (step) => steps.push(step) });
    try {
      expect(steps.map((step) => step.kind)).toContain("lock_taken_over");
      expect(steps.find((step) => step.kind === "leases_released")).toMatchObject({ runs: 1, attempts: 1 });
      const engine = createEngine({
        journal,
        workflows: [stallFlow],
        activities: [stallOnce],
        leaseMs: hourMs,
      });
      engine.start();
      try {
        const result = await createClient({ journal }).result<{ attempt: number; pid: number }>(runId);
        expect(result).toEqual({ attempt: 2, pid: process.pid });
        const history = await createClient({ journal }).history(runId);
        expect(history.filter((event) => event.kind === "activity_scheduled")).toHaveLength(1);
      } finally {
        await engine.stop();
      }
    } finally {
      await journal.close();
    }

    // A clean close leaves no lease behind: the next open releases nothing.
    const again: OpenJournalProgress[] = [];
    const reopened = await openJournal({ dataDir, onProgress: (step) => again.push(step) });
    await reopened.close();
    expect(again.map((step) => step.kind)).not.toContain("leases_released");
    expect(again.map((step) => step.kind)).not.toContain("lock_taken_over");
  });
});
