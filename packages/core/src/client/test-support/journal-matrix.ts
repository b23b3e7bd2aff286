import { afterAll, afterEach, beforeAll } from "vitest";
import type { Journal } from "../../journal/journal.ts";
import { MemoryJournal } from "../../journal/memory/index.ts";
import { openJournal } from "../../journal/open-journal.ts";
import {
  createServerDatabase,
  type ServerDatabase,
} from "../../journal/sql/test-support/sql-test-databases.ts";
import type { Engine } from "../../worker/create-engine.ts";

/** What a suite run on every journal needs: the journal openers and the engines to stop after each test. */
export interface JournalMatrix {
  /** Opens a fresh journal of each kind (for `describe.each(Object.entries(kinds))`). */
  readonly kinds: Readonly<Record<"memory" | "pglite" | "postgres", () => Promise<Journal>>>;
  /** Engines the tests started: stopped (gracefully) after each test. */
  readonly engines: Engine[];
}

/**
 * Registers the suite's hooks (a server database for the file, engines stopped after each test,
 * journals closed and the database dropped at the end) and returns the journal openers.
 *
 * @example
 * ```ts
 * const { kinds, engines } = journalMatrix("updates");
 * describe.each(Object.entries(kinds))("updates (%s journal)", (_kind, open) => { ... });
 * ```
 */
export function journalMatrix(suite: string): JournalMatrix {
  const engines: Engine[] = [];
  const journals: Journal[] = [];
  let database: ServerDatabase | undefined;
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 2_000 })));
  });
  beforeAll(async () => {
    database = await createServerDatabase(suite);
  });
  afterAll(async () => {
    await Promise.all(journals.map((journal) => journal.close()));
    await database?.drop();
  });
  const opened = (journal: Journal): Journal => {
    journals.push(journal);
    return journal;
  };
  return {
    engines,
    kinds: {
      memory: async () => new MemoryJournal(),
      pglite: async () => opened(await openJournal({ dataDir: "memory://" })),
      postgres: async () => {
        if (database === undefined) throw new Error("no server database");
        return opened(await openJournal({ url: database.url, migrate: true }));
      },
    },
  };
}

/** The error `promise` rejects with; fails when it resolves. */
export async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}
