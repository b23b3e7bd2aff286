import type { Journal } from "../journal/journal.ts";
import { ManualClock } from "../journal/memory/manual-clock.ts";
import { MemoryJournal } from "../journal/memory/memory-journal.ts";
import { openTestDatabase } from "../journal/sql/open-test-database.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import { createManualTimers, type ManualTimers } from "./manual-timers.ts";

/**
 * Which journal a test environment runs on:
 * - `"memory"` (default): the in-memory journal, fastest;
 * - `"pglite"`: the SQL journal on a fresh embedded PGlite in memory;
 * - a `postgres://` URL: the SQL journal in a fresh database created on that server for the
 *   environment (named `ctm_test_<pid>_<random>`) and dropped at `close()`; the URL's own
 *   database is only used to create and drop it.
 */
// `string & {}`: any URL string (from an environment variable) is accepted, checked at run time.
export type TestJournalOption = "memory" | "pglite" | (string & {});

/** One entry of {@link testJournals}: `kind` names it in test titles (a URL could hold a password). */
export interface TestJournalCase {
  readonly kind: "memory" | "pglite" | "postgres";
  readonly journal: TestJournalOption;
}

/**
 * The journals to run one suite on (`describe.each`): memory, PGlite, and PostgreSQL when
 * `TEST_DATABASE_URL` (or the given URL) is set.
 *
 * @example
 * ```ts
 * describe.each(testJournals())("on $kind", ({ journal }) => {
 *   it("finishes", async () => { const env = await createTestEnvironment({ journal, workflows: [flow] }); ... });
 * });
 * ```
 */
export function testJournals(url = process.env.TEST_DATABASE_URL): TestJournalCase[] {
  const cases: TestJournalCase[] = [
    { kind: "memory", journal: "memory" },
    { kind: "pglite", journal: "pglite" },
  ];
  if (url !== undefined && url !== "") cases.push({ kind: "postgres", journal: asPostgresUrl(url) });
  return cases;
}

/** The journal of an environment and the only handle on its clock. */
export interface TestJournal {
  readonly kind: "memory" | "pglite" | "postgres";
  readonly journal: Journal;
  /** The fresh database's connection string (PostgreSQL only). */
  readonly databaseUrl?: string;
  /** Engine timers (activity timeouts) on the environment's clock. */
  readonly timers: ManualTimers;
  /** The journal's time now (the database clock with the test offset on SQL). */
  now(): Promise<number>;
  /** A synchronous reading of the test clock (exact on memory, the local estimate on SQL). */
  nowSync(): number;
  /** Moves the journal's clock (never back) and fires the engine timers that came due. */
  advanceTo(epochMs: number): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Opens the journal named by `option`. `startTime` sets the memory journal's clock; on SQL
 * journals it moves the test clock forward to it (it cannot be in the past there).
 */
export async function openTestJournal(
  option: TestJournalOption = "memory",
  startTime?: number,
): Promise<TestJournal> {
  if (option === "memory") {
    const clock = new ManualClock(startTime);
    const timers = createManualTimers(clock);
    const journal = new MemoryJournal({ clock });
    return {
      kind: "memory",
      journal,
      timers,
      now: async () => clock.now(),
      nowSync: () => clock.now(),
      advanceTo: async (epochMs) => timers.advanceTo(epochMs),
      dispose: () => journal.close(),
    };
  }
  const spec =
    option === "pglite"
      ? ({ kind: "pglite" } as const)
      : ({ kind: "postgres", url: asPostgresUrl(option) } as const);
  const database = await openTestDatabase(spec);
  // The database clock keeps running in real time; the offset we added is tracked here so that
  // engine timers (activity timeouts) can be fired by the same jumps.
  let offset = 0;
  const localClock = {
    now: () => Date.now() + offset,
    advanceTo(epochMs: number) {
      const now = Date.now() + offset;
      if (epochMs > now) offset += epochMs - now;
    },
  };
  const timers = createManualTimers(localClock);
  const advanceTo = async (epochMs: number): Promise<void> => {
    const delta = epochMs - (await database.journal.now());
    if (delta > 0) await database.advanceClock(delta);
    timers.advanceTo(epochMs);
  };
  if (startTime !== undefined) {
    const now = await database.journal.now();
    if (startTime < now) {
      await database.dispose();
      throw new TestKitError(
        `startTime ${new Date(startTime).toISOString()} is before the database's clock (${new Date(now).toISOString()}): a SQL journal's test clock only moves forward`,
        { startTime, now },
        "leave startTime out on SQL journals, or pass a time in the future",
      );
    }
    await advanceTo(startTime);
  }
  return {
    kind: spec.kind,
    journal: database.journal,
    ...(database.url === undefined ? {} : { databaseUrl: database.url }),
    timers,
    now: () => database.journal.now(),
    nowSync: () => localClock.now(),
    advanceTo,
    dispose: () => database.dispose(),
  };
}

function asPostgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//.test(value))
    throw new TestKitError(
      `the test journal must be "memory", "pglite" or a postgres:// URL, got ${JSON.stringify(value.replace(/:[^:@/]*@/, ":***@"))}`,
      { journal: "(invalid)" },
      'pass journal: "memory" | "pglite" | process.env.TEST_DATABASE_URL',
    );
  return value;
}
