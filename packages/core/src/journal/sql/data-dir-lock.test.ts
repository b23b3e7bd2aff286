import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode, isContinuumError } from "../../errors/index.ts";
import { openJournal } from "../open-journal.ts";
import type { OpenJournalProgress } from "../open-progress.ts";
import { dataDirLockFileName, lockDataDir } from "./data-dir-lock.ts";

const holderScript = fileURLToPath(new URL("./test-support/hold-data-dir.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "ctm-lock-"));
let dirs = 0;
const children: Holder[] = [];
afterAll(() => {
  for (const holder of children) holder.kill();
  rmSync(root, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = join(root, `pgdata-${++dirs}`);
  mkdirSync(dir);
  return dir;
}

/** A real separate process holding (or trying to hold) a data directory; see hold-data-dir.ts. */
interface Holder {
  readonly pid: number;
  /** Resolves with the first line this process printed: `open <pid>` or `error <json>`. */
  readonly first: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Asks it to close its journal (or lock) normally; resolves when it exited. */
  close(): Promise<number | null>;
  kill(): void;
}

function startHolder(mode: "journal" | "lock", dataDir: string): Holder {
  const child = spawn(process.execPath, [holderScript, mode, dataDir], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const first = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const end = output.indexOf("\n");
      if (end >= 0) resolve(output.slice(0, end));
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`holder exited (${code ?? signal}) before a line; stderr:\n${stderr}`)),
    );
  });
  const holder: Holder = {
    pid: child.pid!,
    first,
    exited,
    close: async () => {
      child.stdin.end("close\n");
      const { code } = await exited;
      expect(output).toContain("closed");
      return code;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
  children.push(holder);
  return holder;
}

function refusal(line: string): { code: string; message: string; data: Record<string, unknown> } {
  expect(line).toMatch(/^error /);
  return JSON.parse(line.slice("error ".length)) as never;
}

/** A pid that no process has any more: a child that already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("embedded data directory lock, across real processes", () => {
  it("refuses a second process naming the holder's pid; after a SIGKILL the lock is taken over", async () => {
    const dataDir = freshDir();
    const a = startHolder("journal", dataDir);
    expect(await a.first).toBe(`open ${a.pid}`);

    const b = startHolder("journal", dataDir);
    const refused = refusal(await b.first);
    expect((await b.exited).code).toBe(2);
    expect(refused.code).toBe(ErrorCode.DataDirLocked);
    expect(refused.data).toMatchObject({ pid: a.pid, hostname: hostname(), place: "this_host" });
    expect(refused.message).toContain(`pid ${a.pid}`);
    expect(refused.message).toMatch(/use PostgreSQL \(DATABASE_URL\) for several processes, or stop pid \d+/);

    // And this (test) process is refused the same way.
    const here = await openJournal({ dataDir }).catch((error: unknown) => error);
    expect(isContinuumError(here, ErrorCode.DataDirLocked)).toBe(true);

    a.kill();
    expect((await a.exited).signal).toBe("SIGKILL");
    expect(existsSync(join(dataDir, dataDirLockFileName))).toBe(true);

    const steps: OpenJournalProgress[] = [];
    const journal = await openJournal({ dataDir, onProgress: (step) => steps.push(step) });
    try {
      expect(steps.find((step) => step.kind === "lock_taken_over")).toMatchObject({
        previous: { pid: a.pid, hostname: hostname() },
      });
      expect(await journal.getRunByWorkflowId("lock-test", `held-by-${a.pid}`)).toBeDefined();
      expect(JSON.parse(readFileSync(join(dataDir, dataDirLockFileName), "utf8"))).toMatchObject({
        pid: process.pid,
      });
    } finally {
      await journal.close();
    }
    expect(existsSync(join(dataDir, dataDirLockFileName))).toBe(false);
  }, 120_000);

  it("lets the next process open after the holder closed normally, with no takeover", async () => {
    const dataDir = freshDir();
    const a = startHolder("journal", dataDir);
    expect(await a.first).toBe(`open ${a.pid}`);
    expect(await a.close()).toBe(0);
    expect(existsSync(join(dataDir, dataDirLockFileName))).toBe(false);

    const steps: OpenJournalProgress[] = [];
    const journal = await openJournal({ dataDir, onProgress: (step) => steps.push(step) });
    try {
      expect(steps.map((step) => step.kind)).toEqual(["ready"]);
      expect(await journal.getRunByWorkflowId("lock-test", `held-by-${a.pid}`)).toBeDefined();
    } finally {
      await journal.close();
    }
  }, 120_000);

  it("lets exactly one of several processes racing over a stale lock take it over", async () => {
    const dataDir = freshDir();
    const gone = await deadPid();
    writeFileSync(
      join(dataDir, dataDirLockFileName),
      JSON.stringify({ pid: gone, hostname: hostname(), since: "2026-01-01T00:00:00.000Z", token: "old" }),
    );
    const racers = [1, 2, 3, 4].map(() => startHolder("lock", dataDir));
    const lines = await Promise.all(racers.map((racer) => racer.first));
    const winners = racers.filter((racer, i) => lines[i] === `open ${racer.pid}`);
    expect(winners).toHaveLength(1);
    for (const [i, racer] of racers.entries()) {
      if (racer === winners[0]) continue;
      expect(refusal(lines[i]!).data).toMatchObject({ pid: winners[0]!.pid });
    }
    expect(await winners[0]!.close()).toBe(0);
    for (const racer of racers) racer.kill();
    expect(existsSync(join(dataDir, dataDirLockFileName))).toBe(false);
  }, 60_000);
});

describe("embedded data directory lock, in one process", () => {
  it("refuses to open a directory this process already has open, under any spelling of its path", async () => {
    const dataDir = freshDir();
    const journal = await openJournal({ dataDir, partitionMonthsAhead: 1 });
    try {
      const again = await openJournal({ dataDir: join(dataDir, ".", "/") }).catch((error: unknown) => error);
      expect(again).toMatchObject({
        code: ErrorCode.DataDirLocked,
        data: { pid: process.pid, place: "this_process" },
      });
      expect((again as Error).message).toContain(`this process (pid ${process.pid})`);
      // The refused open changed nothing: the first journal still works.
      expect((await journal.listRuns({})).runs).toEqual([]);
    } finally {
      await journal.close();
    }
    const reopened = await openJournal({ dataDir, partitionMonthsAhead: 1 });
    await reopened.close();
  }, 60_000);

  it("names another host's holder and leaves its lock alone (its pid cannot be checked from here)", async () => {
    const dataDir = freshDir();
    const file = join(dataDir, dataDirLockFileName);
    const record = JSON.stringify({
      pid: 4242,
      hostname: "elsewhere.example",
      since: "2026-01-01T00:00:00Z",
    });
    writeFileSync(file, record);
    const error = (await lockDataDir(dataDir).then(
      () => new Error("locked"),
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ code: ErrorCode.DataDirLocked, data: { pid: 4242, place: "other_host" } });
    expect(error.message).toContain("pid 4242 on host elsewhere.example");
    expect(error.message).toContain(`delete ${file}`);
    expect(readFileSync(file, "utf8")).toBe(record);
  });

  it("takes over a lock file left unreadable (a holder that died while writing it)", async () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, dataDirLockFileName), "");
    const previous: unknown[] = [];
    const lock = await lockDataDir(dataDir, { onStaleLock: (holder) => previous.push(holder) });
    expect(previous).toEqual([undefined]);
    lock.release();
    lock.release();
    expect(existsSync(join(dataDir, dataDirLockFileName))).toBe(false);
  });

  it.runIf(process.platform === "linux")(
    "takes over a lock whose pid now belongs to another process (Linux: start time differs)",
    async () => {
      const dataDir = freshDir();
      // Our own pid with another start time: what a container restarted as the same pid finds.
      const record = {
        pid: process.pid,
        hostname: hostname(),
        since: "2026-01-01T00:00:00Z",
        startTicks: "1",
      };
      writeFileSync(join(dataDir, dataDirLockFileName), JSON.stringify(record));
      const previous: unknown[] = [];
      const lock = await lockDataDir(dataDir, { onStaleLock: (holder) => previous.push(holder) });
      expect(previous).toEqual([{ pid: process.pid, hostname: hostname(), since: record.since }]);
      lock.release();
    },
  );
});
