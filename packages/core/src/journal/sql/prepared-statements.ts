import { createHash } from "node:crypto";
import type pg from "pg";
import type { PostgresPool, PostgresPoolClient } from "kysely";

/** Statements longer than this go unnamed (a 1,000-task fan-out is not worth a plan per shape). */
const maxPreparedLength = 8_000;

/** Statements that are never named, whatever their parameters (DDL and the like have none anyway). */
const unnamed = /^\s*(begin|commit|rollback|savepoint|release|set|show|listen|unlisten|select 1\b)/i;

/**
 * A pg pool for Kysely's PostgresDialect that sends the journal's statements as named prepared
 * statements: each connection parses and plans a statement text once, then only binds and
 * executes it. The journal's hot statements are CTEs over several tables whose planning costs
 * 0.7 ms on a warm connection (2-3 ms on a cold one) against 0.3 ms of execution, so this is
 * most of a step's database time. The name is a digest of the text, so the same text always
 * maps to the same name and pg's client reuses its parsed statement. Texts vary by shape (how
 * many events, tasks and timers a step has), which bounds how many a connection keeps; long
 * texts and statements without parameters (migrations, transaction control) are left unnamed. Turn it off (`preparedStatements: false` in openJournal) behind a
 * pooler that does not keep session state, such as PgBouncer in transaction mode before 1.21.
 */
export function preparedStatementPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    // Kysely reads these to open a side connection that cancels a running query.
    options: pool.options,
    Client: (pool as unknown as { Client: PostgresPool["Client"] }).Client,
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      // One wrapper per connection, so Kysely (which caches per client object) sees the same one.
      let wrapped = wrappers.get(client);
      if (wrapped === undefined) {
        wrapped = {
          query: ((text: string, values?: readonly unknown[]) =>
            typeof text === "string" &&
            values !== undefined &&
            values.length > 0 &&
            text.length <= maxPreparedLength &&
            !unnamed.test(text)
              ? client.query({ name: statementName(text), text, values: values as unknown[] })
              : client.query(text, values as unknown[])) as unknown as PostgresPoolClient["query"],
          // Kysely passes true for a connection it found broken (a failed ROLLBACK): destroy it.
          release: (destroy?: boolean) => client.release(destroy),
        };
        wrappers.set(client, wrapped);
      }
      return wrapped;
    },
    end: () => pool.end(),
  };
}

const names = new Map<string, string>();

/** `ctm_` and 20 hex digits of the text's SHA-1 (memoized: hot texts repeat). */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `ctm_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    if (names.size >= 10_000) names.clear();
    names.set(text, name);
  }
  return name;
}
