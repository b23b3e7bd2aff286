import { closeSync, fdatasyncSync, fsyncSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type Extension, type PGliteOptions } from "@electric-sql/pglite";

/**
 * Why an embedded data directory needs this: PGlite starts PostgreSQL with fsync off (`-F` in its
 * default start parameters), and even with it on, its file system layer (Emscripten's NODEFS)
 * turns `fsync()` into nothing and `fdatasync()` into nothing. A commit then sits in the OS page
 * cache: it survives the process being killed (the kernel still writes it out) but not an OS
 * crash or a power cut, after which PostgreSQL can also find its files torn. A durable-execution
 * journal must keep what it acknowledged, so a data directory gets:
 * - fsync on, with `wal_sync_method = fsync` (the call NODEFS can be taught; `fdatasync`, the
 *   default on Linux, goes to a stub that never reaches the file system);
 * - NODEFS's `fsync` made real: `fs.fdatasyncSync` on the file behind the stream, installed
 *   before PostgreSQL starts (a PGlite extension's `preRun`), so recovery and every checkpoint
 *   sync too. fdatasync, as PostgreSQL itself uses for the WAL on Linux: it writes the data and
 *   what reading it back needs (a grown file's size), not the modification time, which would
 *   cost a file-system journal commit per sync;
 * - a freshly created directory synced once, file by file: PGlite writes the `initdb` template
 *   into it without any sync.
 *
 * `memory://` has no disk to sync and keeps PGlite's settings.
 */

/** PGlite's start parameters with fsync on and a WAL sync method NODEFS can carry out. */
export function durableStartParams(): string[] {
  return [...PGlite.defaultStartParams.filter((param) => param !== "-F"), "-c", "wal_sync_method=fsync"];
}

/** The part of Emscripten's NODEFS this file touches. */
interface NodeFsStreams {
  readonly stream_ops: { fsync?: (stream: { nfd?: number }) => number };
}

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
  setup: (_pg, emscriptenOpts: Record<string, unknown>) => {
    const preRun = (emscriptenOpts.preRun as ((mod: Record<string, unknown>) => void)[] | undefined) ?? [];
    const install = (mod: Record<string, unknown>): void => {
      const nodefs = mod.NODEFS as NodeFsStreams | undefined;
      if (nodefs === undefined) return;
      nodefs.stream_ops.fsync = (stream) => {
        if (stream.nfd === undefined) return 0;
        try {
          fdatasyncSync(stream.nfd);
          return 0;
        } catch (error) {
          return wasiErrno[(error as { code?: string }).code ?? ""] ?? ioError;
        }
      };
    };
    return Promise.resolve({ emscriptenOpts: { ...emscriptenOpts, preRun: [...preRun, install] } });
  },
};

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
  syncPath(directory);
}

function syncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
