import { expect } from "vitest";
import { ContinuumError } from "../../errors/continuum-error.ts";
import { ErrorCode } from "../../errors/error-code.ts";
import type { Journal } from "../../journal/journal.ts";
import { openJournal } from "../../journal/open-journal.ts";
import type { SqlExecutor } from "../../journal/sql/sql-fragments.ts";
import {
  createServerDatabase,
  memoryPglite,
  serverKysely,
  type ServerDatabase,
} from "../../journal/sql/test-support/sql-test-databases.ts";
export { firstAttemptDoneIn, snapshot, storedSizes } from "../../journal/sql/test-support/schema-snapshot.ts";

// The two databases the boundary suite runs on, and its oracles: every row of the schema, and
// "a Continuum error with no driver error inside".

/** One database the suite runs on: a journal over it and a way to read every row. */
export interface Backend {
  readonly journal: Journal;
  readonly db: SqlExecutor;
  close(): Promise<void>;
}

export const backends: { name: string; open: () => Promise<Backend> }[] = [
  {
    name: "PostgreSQL",
    open: async () => {
      const database: ServerDatabase = await createServerDatabase("boundary");
      const db = serverKysely(database.url);
      const journal = await openJournal({ kysely: db, url: database.url, migrate: true });
      return {
        journal,
        db,
        close: async () => {
          await journal.close();
          await db.destroy();
          await database.drop();
        },
      };
    },
  },
  {
    name: "PGlite",
    open: async () => {
      const { pglite, db } = await memoryPglite();
      const journal = await openJournal({ kysely: db, pglite, migrate: true });
      return {
        journal,
        db,
        close: async () => {
          await journal.close();
          await db.destroy();
        },
      };
    },
  },
];

/** A five-character SQLSTATE anywhere on the error or its causes: a driver error leaked. */
export function driverCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 10; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Asserts the refusal is a Continuum error with a fix line and no database error inside. */
export function expectContinuumRefusal(error: unknown, label: string): void {
  expect(error, `${label}: ${String(error)}`).toBeInstanceOf(ContinuumError);
  const typed = error as ContinuumError<unknown>;
  expect(typed.code, label).not.toBe(ErrorCode.DatabaseUnavailable);
  expect(typed.hint.length, label).toBeGreaterThan(10);
  expect(driverCode(error), label).toBeUndefined();
  // Messages show a bounded preview, never a 100 KB value.
  expect(typed.message.length, label).toBeLessThan(2_000);
}
