import { closeSync, fdatasyncSync, fsyncSync, openSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { PGlite, type Extension, type PGliteOptions } from "@electric-sql/pglite";
import { DatabaseUnavailableError } from "../../errors/index.ts";

/**
 * Why an embedded data directory needs this: PGlite starts PostgreSQL with fsync off (`-F` in its
 * default start parameters), and even with it on, its file system layer (Emscripten's NODEFS)
 * turns `fsync()` into nothing and `fdatasync()` into nothing. A commit then sits in the OS page
 * cache: it survives the process being killed (the kernel still writes it out) but not an OS
 * crash or a power cut, after which PostgreSQL can also find its files torn. A durable-execution
 * journal must keep what it acknowledged, so a data directory gets:
 * - fsync on, with `wal_sync_method = fsync` (the call NODEFS can be taught; `fdatasync`, the
 *   default on Linux, goes to a stub that never reaches the file system);
 * - NODEFS's `fsync` made real: `fs.fdatasyncSync` on the file behind the stream (`fsync` for
 *   a directory), installed before PostgreSQL starts (a PGlite extension's `preRun`), so
 *   recovery and every checkpoint sync too. fdatasync, as PostgreSQL itself uses for the WAL on
 *   Linux: it writes the data and what reading it back needs (a grown file's size), not the
 *   modification time, which would cost a file-system journal commit per sync;
 * - a freshly created directory, and the parents mkdir made for it, synced once: PGlite writes
 *   the `initdb` template into it without any sync;
 * - after a failed sync, every call refused at once (`stopAfterSyncFailure`).
 *
 * `memory://` has no disk to sync and keeps PGlite's settings.
 */

/** PGlite's start parameters with fsync on and a WAL sync method NODEFS can carry out. */
export function durableStartParams(): string[] {
  return [...PGlite.defaultStartParams.filter((param) => param !== "-F"), "-c", "wal_sync_method=fsync"];
}

/** The part of Emscripten's NODEFS this file touches. */
interface NodeFsStreams {
  readonly stream_ops: { fsync?: (stream: { nfd?: number; node?: { mode: number } }) => number };
}

/** A sync that failed, per PGlite instance: PostgreSQL has stopped (PANIC) and must be reopened. */
const syncFailures = new WeakMap<object, Error>();

const isDirectory = (mode: number | undefined): boolean =>
  mode !== undefined && (mode & 0o170000) === 0o040000;

/**
 * WASI error numbers for a failed sync. PostgreSQL treats EIO as fatal (it cannot know what
 * reached the disk), and ignores EBADF and EINVAL for a directory, which some file systems
 * cannot sync.
 */
const wasiErrno: Readonly<Record<string, number>> = { EBADF: 8, EINVAL: 28 };
const ioError = 29;

/**
 * A PGlite extension (setup only, no SQL) that gives NODEFS a real `fsync` before PostgreSQL
 * starts.
 */
export const nodeFsSync: Extension = {
  name: "continuum-nodefs-sync",
  setup: (pg, emscriptenOpts: Record<string, unknown>) => {
    const preRun = (emscriptenOpts.preRun as ((mod: Record<string, unknown>) => void)[] | undefined) ?? [];
    const install = (mod: Record<string, unknown>): void => {
      const nodefs = mod.NODEFS as NodeFsStreams | undefined;
      // Fail loudly: without the hook, fsync on would sync nothing (a PGlite that moved NODEFS).
      if (nodefs === undefined)
        throw new Error("PGlite exposes no NODEFS: the data directory cannot be synced");
      nodefs.stream_ops.fsync = (stream) => {
        if (stream.nfd === undefined) return 0;
        const directory = isDirectory(stream.node?.mode);
        try {
          // A directory's new entries need a full fsync (fdatasync may not commit them).
          if (directory) fsyncSync(stream.nfd);
          else fdatasyncSync(stream.nfd);
          return 0;
        } catch (error) {
          // Some systems (Windows) cannot sync a directory: PostgreSQL ignores EINVAL there.
          if (directory) return wasiErrno.EINVAL as number;
          // PostgreSQL stops at a file that failed to sync, whatever the reason.
          syncFailures.set(pg, error as Error);
          return wasiErrno[(error as { code?: string }).code ?? ""] ?? ioError;
        }
      };
    };
    return Promise.resolve({ emscriptenOpts: { ...emscriptenOpts, preRun: [...preRun, install] } });
  },
};

/** The calls through which the journal reaches PGlite. */
const guardedCalls = new Set<PropertyKey>(["query", "exec", "transaction", "execProtocol"]);

/**
 * `db` (a PGlite, or a proxy of `pglite`) refusing every call once a sync of `pglite`'s data
 * directory failed. PostgreSQL stops (PANIC) on a failed sync, since it cannot know what reached
 * the disk, and a PGlite whose backend stopped leaves later calls waiting forever: refused at
 * once, the engine reports the database unavailable instead of hanging. What was committed
 * before is in the directory; reopening it (a new process) recovers from the WAL.
 *
 * @example
 * ```ts
 * new PGliteDialect({ pglite: stopAfterSyncFailure(preparedPglite(pglite), pglite, dataDir) });
 * ```
 */
export function stopAfterSyncFailure(db: PGlite, pglite: PGlite, dataDir: string): PGlite {
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!guardedCalls.has(property)) return bound;
      return (...args: unknown[]): unknown => {
        const failure = syncFailures.get(pglite);
        if (failure !== undefined)
          return Promise.reject(
            new DatabaseUnavailableError(
              dataDir,
              `a disk sync of the data directory failed (${(failure as { code?: string }).code ?? failure.message}); the embedded database stopped so as not to acknowledge what may not be on disk`,
              failure,
              "check the disk that holds the data directory (free space, errors in the system log), then restart the process: opening the directory again recovers every committed run from its WAL",
            ),
          );
        return bound(...args);
      };
    },
  });
}

/** PGlite options for a local data directory: durable unless `fsync` is false. */
export function pgliteOptionsFor(fsync: boolean): PGliteOptions {
  return fsync ? { startParams: durableStartParams(), extensions: { continuumNodeFsSync: nodeFsSync } } : {};
}

/**
 * Syncs every file and directory under `directory` once (a new data directory, which PGlite
 * filled without syncing). Directories are synced after their entries, so each new name is
 * durable too.
 */
export function syncTree(directory: string): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) syncTree(path);
    else if (entry.isFile()) syncPath(path);
  }
  syncDirectory(directory);
}

/**
 * Syncs the directories that hold the new ones `mkdirSync(directory, { recursive: true })`
 * made, from `directory`'s parent up to the parent of `firstMade` (what mkdirSync returned),
 * so that a power cut cannot drop the new data directory's name.
 */
export function syncParents(directory: string, firstMade: string): void {
  for (let parent = dirname(directory); ; parent = dirname(parent)) {
    syncDirectory(parent);
    if (parent === dirname(firstMade) || parent === dirname(parent)) return;
  }
}

/** Windows cannot open a directory to sync it; its file system (NTFS) journals names itself. */
function syncDirectory(path: string): void {
  if (process.platform !== "win32") syncPath(path);
}

function syncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
