import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll } from "vitest";
import { runJournalConformance } from "../../testing/journal-conformance.ts";
import { migrate } from "./migrator.ts";
import { createPgliteNotifier } from "./pg-notifier.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { sqlAdapterCases } from "./test-support/sql-adapter-cases.ts";
import { factoryOn, memoryPglite, withoutRunVersions } from "./test-support/sql-test-databases.ts";

// One in-memory PGlite for the whole file (cold start is seconds); tests empty its tables.
let pglite: PGlite;
let db: SqlExecutor;

beforeAll(async () => {
  ({ pglite, db } = await memoryPglite());
  await migrate(db);
});
afterAll(async () => {
  await db.destroy();
});

runJournalConformance("SQL on PGlite", {
  create: () => factoryOn(db, () => createPgliteNotifier(pglite), { gatherOneTurn: true }).create(),
});
// The same rules with every step committed by the full transaction (no row versions passed),
// so both ways commitStep can write a step are held to the suite.
runJournalConformance("SQL on PGlite, steps without row versions", {
  async create() {
    const harness = await factoryOn(db, () => createPgliteNotifier(pglite), { gatherOneTurn: true }).create();
    return { ...harness, journal: withoutRunVersions(harness.journal) };
  },
});
sqlAdapterCases({ db: () => db });
