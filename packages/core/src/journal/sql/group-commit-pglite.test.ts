import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRuns, stepAfter } from "../../testing/conformance/group-commit-conformance.ts";
import type { Journal } from "../journal.ts";
import { openJournal } from "../open-journal.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { memoryPglite } from "./test-support/sql-test-databases.ts";

/**
 * Group commit on embedded PGlite, opened as openJournal opens it: PGlite runs each statement
 * in this thread, so batches form only because a first write waits one turn of the event loop
 * (GroupCommitOptions.gatherOneTurn, which openJournal sets for PGlite). The batch statement
 * shows in PGlite's prepared statements once it has run (the journal names its statements).
 */
let db: SqlExecutor;
let journal: Journal;

beforeAll(async () => {
  const opened = await memoryPglite();
  db = opened.db;
  journal = await openJournal({ kysely: db, pglite: opened.pglite, migrate: true });
}, 60_000);
afterAll(async () => {
  await journal?.close();
  await db?.destroy();
});

/**
 * How often PGlite ran the journal's step statements so far: group commit's batch statement
 * and the one-run statements (each execution of a named statement counts one plan, generic here).
 */
async function stepStatementsRun(): Promise<{ batch: number; alone: number }> {
  const found = await sql<{ batch: number; alone: number }>`
    SELECT
      coalesce(sum(generic_plans + custom_plans) FILTER (WHERE statement LIKE '%json_to_record(s)%'), 0)::int AS batch,
      coalesce(sum(generic_plans + custom_plans) FILTER (
        WHERE statement LIKE '%UPDATE continuum.runs AS r SET%' AND statement NOT LIKE '%json_to_record(s)%'), 0)::int AS alone
    FROM pg_prepared_statements`.execute(db);
  return found.rows[0] ?? { batch: 0, alone: 0 };
}

describe("group commit on embedded PGlite", () => {
  it("steps of many runs made in one turn are written by one batch statement, the first included", async () => {
    const runs = await openRuns(journal, 6);
    const before = await stepStatementsRun();
    const done = await Promise.all(
      runs.map((run, i) => journal.commitStep(stepAfter(run, i, { next: "activity:act#1@0" }))),
    );
    expect(done.map((d) => d.lastSeq)).toEqual(runs.map((run) => run.lastSeq + 2));
    // Without the turn's wait, the first step would have gone alone and the rest as a batch.
    const after = await stepStatementsRun();
    expect({ batch: after.batch - before.batch, alone: after.alone - before.alone }).toEqual({
      batch: 1,
      alone: 0,
    });
    for (const run of runs) {
      const kinds = (await journal.readHistory(run.claim.run.runId)).map((e) => e.kind);
      expect(kinds).toEqual([
        "run_started",
        "activity_scheduled",
        "activity_completed",
        "activity_scheduled",
      ]);
    }
  });
});
