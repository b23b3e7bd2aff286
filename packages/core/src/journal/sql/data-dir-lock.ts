import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DataDirLockedError, type DataDirHolder, type DataDirHolderPlace } from "../../errors/index.ts";

/**
 * Name of the lock file inside an embedded data directory. PostgreSQL (and PGlite's initdb)
 * leave files they do not know alone, so the lock sits next to what it protects and moves with it.
 */
export const dataDirLockFileName = "continuum.lock";

/** What the lock file holds: who has the directory open, and enough to tell whether it still does. */
interface LockRecord extends DataDirHolder {
  /**
   * Linux only: the holder's start time in clock ticks after boot (field 22 of /proc/PID/stat),
   * so that a pid reused by another process (a container restarted as pid 1) is seen as stale.
   */
  readonly startTicks?: string;
  /** Random per acquisition: makes every lock file's text unique, so release and takeover only remove the file they read. */
  readonly token: string;
}

/** A held data-directory lock. */
export interface DataDirLock {
  /** Absolute path of the lock file. */
  readonly lockFile: string;
  /** Removes the lock file if it is still this holder's; idempotent. */
  release(): void;
}

/** Options of {@link lockDataDir}. */
export interface LockDataDirOptions {
  /**
   * Told when a stale lock was taken over: its holder (`undefined` when the file was unreadable)
   * ran on this host and is gone, typically killed or crashed without closing its journal.
   */
  readonly onStaleLock?: (previous: DataDirHolder | undefined) => void;
}

/** Locks this thread holds (lock file -> its text): released on close, or best-effort at exit. */
const held = new Map<string, string>();
let exitHookInstalled = false;

// A crowd of processes racing over one stale lock settles in a round or two; past this many
// something keeps recreating the file, and refusing is safer than looping.
const maxRounds = 10;

/**
 * Takes the lock of an embedded data directory (which must exist) for this process, or throws
 * `DataDirLockedError` naming the holder's pid and host. The lock file is created atomically
 * (`O_EXCL`); a lock whose holder no longer runs on this host is taken over.
 *
 * Why not a lock library: the error must name the holder's pid and host, so the file has to carry
 * them, and staleness is decided by whether that pid still runs. Time-based schemes (mtime
 * refreshed by a timer, as in proper-lockfile or lockfile) store neither, keep a timer alive and
 * would declare a live holder stale while PGlite blocks the event loop for seconds at startup.
 *
 * @example
 * ```ts
 * const lock = await lockDataDir("/var/lib/app/pgdata");
 * try { ... } finally { lock.release(); }
 * ```
 */
export async function lockDataDir(dataDir: string, options: LockDataDirOptions = {}): Promise<DataDirLock> {
  const lockFile = join(realpathSync(dataDir), dataDirLockFileName);
  const startTicks = startTicksOf(process.pid);
  const mine: LockRecord = {
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
    ...(startTicks === undefined ? {} : { startTicks }),
    token: randomUUID(),
  };
  const text = `${JSON.stringify(mine, null, 2)}\n`;
  let last: LockRecord | undefined;
  for (let round = 0; round < maxRounds; round++) {
    if (tryCreate(lockFile, text)) {
      held.set(lockFile, text);
      installExitHook();
      return { lockFile, release: () => release(lockFile) };
    }
    const current = await readLock(lockFile);
    if (current === "missing") continue;
    const record = current === "unreadable" ? undefined : current.record;
    if (record !== undefined) {
      last = record;
      const place = judge(record);
      if (place !== "stale") throw new DataDirLockedError(dataDir, lockFile, holderOf(record), place);
    }
    if (takeOver(lockFile, current === "unreadable" ? undefined : current.text))
      options.onStaleLock?.(record === undefined ? undefined : holderOf(record));
  }
  const holder = last ?? { pid: 0, hostname: "unknown", since: "unknown" };
  throw new DataDirLockedError(dataDir, lockFile, holderOf(holder), "this_host");
}

function tryCreate(lockFile: string, text: string): boolean {
  try {
    writeFileSync(lockFile, text, { flag: "wx", mode: 0o644 });
    return true;
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw error;
  }
}

type ReadLock = "missing" | "unreadable" | { record: LockRecord; text: string };

/**
 * Reads the lock file. Its creator writes it right after creating it, so an empty or partial file
 * is read again for a moment before it is called unreadable (a holder that died in between).
 */
async function readLock(lockFile: string): Promise<ReadLock> {
  for (let tries = 0; tries < 20; tries++) {
    let text: string;
    try {
      text = readFileSync(lockFile, "utf8");
    } catch (error) {
      if (codeOf(error) === "ENOENT") return "missing";
      throw error;
    }
    const record = parseRecord(text);
    if (record !== undefined) return { record, text };
    await sleep(50);
  }
  return "unreadable";
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid !== "number" || typeof value.hostname !== "string") return undefined;
    return { since: "unknown", token: "", ...value } as LockRecord;
  } catch {
    return undefined;
  }
}

/** Where the recorded holder runs, or `stale` when it is provably gone. */
function judge(record: LockRecord): DataDirHolderPlace | "stale" {
  // Another host's pids cannot be checked from here: the lock stands until that host says otherwise.
  if (record.hostname !== hostname()) return "other_host";
  if (!isRunning(record.pid)) return "stale";
  const ticks = record.startTicks === undefined ? undefined : startTicksOf(record.pid);
  if (ticks !== undefined && ticks !== record.startTicks) return "stale";
  return record.pid === process.pid ? "this_process" : "this_host";
}

/**
 * Removes the stale lock file read as `judged` (or, when it was unreadable, whatever is there).
 * Renaming first makes the removal atomic: of several processes judging the same stale file,
 * one moves it; should the moved file turn out to be a newer lock written after we read, it is
 * put back (link fails rather than overwrite a lock that appeared meanwhile).
 */
function takeOver(lockFile: string, judged: string | undefined): boolean {
  const aside = `${lockFile}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    renameSync(lockFile, aside);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return false;
    throw error;
  }
  try {
    const moved = readFileSync(aside, "utf8");
    if (judged === undefined ? parseRecord(moved) === undefined : moved === judged) return true;
    try {
      linkSync(aside, lockFile);
    } catch {
      // Yet another process created a lock meanwhile; the next round reports that one.
    }
    return false;
  } finally {
    unlinkSync(aside);
  }
}

function release(lockFile: string): void {
  const text = held.get(lockFile);
  if (text === undefined) return;
  held.delete(lockFile);
  try {
    if (readFileSync(lockFile, "utf8") === text) unlinkSync(lockFile);
  } catch {
    // Already gone (the directory was removed): nothing to release.
  }
}

/** Best effort for a process that exits without closing its journal; a killed one leaves a stale lock. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const lockFile of [...held.keys()]) release(lockFile);
  });
}

function holderOf(record: DataDirHolder): DataDirHolder {
  return { pid: record.pid, hostname: record.hostname, since: record.since };
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user.
    return codeOf(error) === "EPERM";
  }
}

function startTicksOf(pid: number): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3];
  } catch {
    return undefined;
  }
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}
