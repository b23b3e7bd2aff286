import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrator.ts";
import { isRetryableConflict, retryConflicts } from "./retry-conflicts.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import {
  createServerDatabase,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

let database: ServerDatabase;
let db: SqlExecutor;
beforeAll(async () => {
  database = await createServerDatabase("retry_conflicts");
  db = serverKysely(database.url, 4);
  await migrate(db);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe("retryConflicts (real server)", () => {
  it("reruns the deadlock victim so both opposite-order transactions commit", async () => {
    // Two rows locked in opposite orders by two transactions: Postgres must abort one.
    const ids = ["a", "b"];
    await sql`INSERT INTO continuum.idempotency (activity_name, key, result, run_id, task_id, created_at)
              SELECT 'lock', k, '0', 'r', gen_random_uuid(), now() FROM unnest(${ids}::text[]) AS k`.execute(
      db,
    );
    const bump = (first: string, second: string) =>
      db.transaction().execute(async (tx) => {
        await sql`UPDATE continuum.idempotency SET result = '1' WHERE activity_name = 'lock' AND key = ${first}`.execute(
          tx,
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
        await sql`UPDATE continuum.idempotency SET result = '2' WHERE activity_name = 'lock' AND key = ${second}`.execute(
          tx,
        );
      });
    const raw = await Promise.allSettled([bump("a", "b"), bump("b", "a")]);
    const victim = raw.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    expect(victim && isRetryableConflict(victim.reason)).toBe(true);
    const retried = await Promise.allSettled([
      retryConflicts(() => bump("a", "b")),
      retryConflicts(() => bump("b", "a")),
    ]);
    expect(retried.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    await expect(
      retryConflicts(async () => {
        calls++;
        throw Object.assign(new Error("unique"), { code: "23505" });
      }),
    ).rejects.toThrow("unique");
    expect(calls).toBe(1);
  });
});
