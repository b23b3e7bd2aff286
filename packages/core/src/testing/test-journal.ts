import type { Journal } from "../journal/journal.ts";
import { ManualClock } from "../journal/memory/manual-clock.ts";
import { MemoryJournal } from "../journal/memory/memory-journal.ts";
import { openTestDatabase } from "../journal/sql/open-test-database.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import { TestClockUnavailableError } from "../errors/test-clock-errors.ts";
import { checkSchemaName } from "../validation/schema-name.ts";
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

/**
 * A journal with the handle on its clock: what `createTestEnvironment` runs on. Made by
 * {@link openTestJournal} (whose clock moves: time skipping works) or, for a `Journal` object
 * passed to `createTestEnvironment({ journal })`, by the kit around it (whose clock it does not
 * control: `kind` "external", and moving time throws `TestClockUnavailableError`).
 */
export interface TestJournal {
  readonly kind: "memory" | "pglite" | "postgres" | "external";
  readonly journal: Journal;
  /** The fresh database's connection string (PostgreSQL only). */
  readonly databaseUrl?: string;
  /** Engine timers (activity timeouts) on the environment's clock. */
  readonly timers: ManualTimers;
  /** The journal's time now (the database clock with the test offset on SQL). */
  now(): Promise<number>;
  /** A synchronous reading of the test clock (exact on memory, the local estimate on SQL). */
  nowSync(): number;
  /**
   * Moves the journal's clock (never back) and fires the engine timers that came due.
   * `operation` names what needs it, for the error of a journal whose clock cannot move.
   */
  advanceTo(epochMs: number, operation?: string): Promise<void>;
  /** Closes the journal; a PostgreSQL test database is dropped. */
  dispose(): Promise<void>;
}

/** Whether `value` is a {@link TestJournal} (rather than a plain `Journal` or a kind). */
export function isTestJournal(value: unknown): value is TestJournal {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<TestJournal>;
  return (
    typeof candidate.advanceTo === "function" &&
    typeof candidate.nowSync === "function" &&
    typeof candidate.journal === "object"
  );
}

/**
 * A {@link TestJournal} around a journal the kit did not open: its clock is the journal's own
 * and never moved by the kit (it may be production's, or a clock the test drives itself).
 * Moving it forward throws `TestClockUnavailableError`; a time already reached is fine.
 * `dispose()` leaves the journal open: it belongs to the caller.
 */
export function externalTestJournal(journal: Journal): TestJournal {
  let lastReading = Date.now();
  const read = async (): Promise<number> => (lastReading = await journal.now());
  const timers = createManualTimers({
    now: () => lastReading,
    advanceTo: () => {},
  });
  return {
    kind: "external",
    journal,
    timers,
    now: read,
    nowSync: () => lastReading,
    async advanceTo(epochMs, operation = "moving the clock") {
      if (epochMs > (await read())) throw new TestClockUnavailableError(operation, epochMs);
      timers.advanceTo(epochMs);
    },
    dispose: async () => {},
  };
}

/** Options of {@link openTestJournal}. */
export interface OpenTestJournalOptions {
  /**
   * Epoch ms the clock starts at. Memory: default 2026-01-01T00:00:00Z. SQL: default the real
   * time; a later time moves the test clock there, an earlier one is refused.
   */
  readonly startTime?: number;
  /**
   * The SQL journal's instance schema (see `openJournal({ schema })`); default `continuum`.
   * Ignored by the memory journal, which is one instance by construction.
   */
  readonly schema?: string;
}

/**
 * Opens a journal whose clock a test moves: `"memory"` (default), `"pglite"`, or a fresh
 * database on the PostgreSQL server a URL names (dropped by `dispose()`). Pass it to
 * `createTestEnvironment({ journal })` to keep it beyond one environment (several environments
 * in turn on one PGlite, a journal wrapped to inject faults); you dispose it.
 *
 * @example
 * ```ts
 * const testJournal = await openTestJournal("pglite");
 * const env = await createTestEnvironment({ journal: testJournal, workflows: [orderFlow] });
 * await env.close();           // the journal stays open
 * await testJournal.dispose();
 * ```
 */
export async function openTestJournal(
  option: TestJournalOption = "memory",
  options: OpenTestJournalOptions = {},
): Promise<TestJournal> {
  const { startTime } = options;
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
      advanceTo: async (epochMs: number, _operation?: string) => timers.advanceTo(epochMs),
      dispose: () => journal.close(),
    };
  }
  const schema = checkSchemaName(options.schema, "openTestJournal({ schema })");
  const spec =
    option === "pglite"
      ? ({ kind: "pglite", schema } as const)
      : ({ kind: "postgres", url: asPostgresUrl(option), schema } as const);
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
  const advanceTo = async (epochMs: number, _operation?: string): Promise<void> => {
    // Due times read back from the database are whole ms (floored); the clock keeps its µs. One
    // ms more makes a deadline read as `epochMs` really due (else a claim right after the jump
    // may find it a fraction of a ms in the future, and the driver would think nothing is due).
    const delta = epochMs + 1 - (await database.journal.now());
    if (delta > 1) await database.advanceClock(delta);
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

/**
 * The {@link TestJournal} of `createTestEnvironment({ journal, startTime })`: opened for a kind
 * or URL, taken as it is from `openTestJournal()`, or around any other `Journal` object.
 */
export async function testJournalFor(
  journal: TestJournalOption | TestJournal | Journal | undefined,
  startTime: number | undefined,
  schema?: string,
): Promise<TestJournal> {
  if (journal === undefined || typeof journal === "string")
    return openTestJournal(journal, {
      ...(startTime === undefined ? {} : { startTime }),
      ...(schema === undefined ? {} : { schema }),
    });
  if (schema !== undefined)
    throw new TestKitError(
      "schema applies to a journal the environment opens, not to a journal object passed in",
      { schema },
      "pass schema to openTestJournal(kind, { schema }) (or openJournal) instead",
    );
  if (startTime !== undefined)
    throw new TestKitError(
      "startTime applies to a journal the environment opens, not to a journal object passed in",
      { startTime },
      "pass startTime to openTestJournal(kind, { startTime }) instead",
    );
  return isTestJournal(journal) ? journal : externalTestJournal(journal);
}
