import { parse, protocol, type PGlite, type QueryOptions, type Results } from "@electric-sql/pglite";

/** What PGlite's protocol calls return. */
type BackendMessage = Awaited<ReturnType<PGlite["execProtocol"]>>["messages"][number];

/** Statements longer than this go unnamed, as on a server (prepared-statements.ts). */
const maxPreparedLength = 8_000;

/** Statements that are never named, whatever their parameters. */
const unnamed = /^\s*(begin|commit|rollback|savepoint|release|set|show|listen|unlisten|select 1\b)/i;

/** More distinct texts than this and new ones go unnamed: the cache stays bounded. */
const maxPrepared = 2_000;

interface PreparedStatement {
  readonly name: string;
  readonly types: readonly number[];
}

/** The statements prepared on one PGlite instance, whichever proxy prepared them. */
const prepared = new WeakMap<PGlite, { byText: Map<string, PreparedStatement>; next: number }>();

function statementsOf(pglite: PGlite): { byText: Map<string, PreparedStatement>; next: number } {
  let cache = prepared.get(pglite);
  if (cache === undefined) {
    cache = { byText: new Map(), next: 0 };
    prepared.set(pglite, cache);
  }
  return cache;
}

/** SQLSTATEs after which a named statement must be prepared again. */
function isStaleStatement(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "0A000" || code === "26000";
}

/**
 * An embedded PGlite whose `query` sends the journal's statements as named prepared statements,
 * as `preparedStatementPool` does for a server. PGlite's own `query` parses, describes and plans
 * every statement on every call; measured on the bench's 3-step workflow (100 runs one at a
 * time, idle machine), its five hot statements took 11.6 of the 13.0 ms a run took, and
 * planning alone was 1.3-1.4 ms of the 2.8 ms a finish-and-step statement costs. Named, a text
 * is parsed and described once per instance, then each call is bind, execute and sync.
 *
 * Only top-level statements with parameters are named; statements inside a transaction (which
 * Kysely sends through PGlite's transaction object) and everything else go through PGlite's
 * `query` unchanged. Both take PGlite's locks in the same order (transaction, then query), so a
 * named statement never runs inside another caller's transaction.
 *
 * @example
 * ```ts
 * const db = new Kysely({ dialect: new PGliteDialect({ pglite: preparedPglite(pglite) }) });
 * ```
 */
export function preparedPglite(pglite: PGlite): PGlite {
  const cache = statementsOf(pglite);
  const statements = cache.byText;
  const exec = async (message: Uint8Array, syncToFs = false): Promise<BackendMessage[]> =>
    (await pglite.execProtocol(message, { syncToFs })).messages;

  const prepare = async (text: string): Promise<PreparedStatement> => {
    let statement = statements.get(text);
    if (statement !== undefined) return statement;
    // Numbered per PGlite instance, not per proxy: two journals on one PGlite share the names.
    const name = `ctm_${(cache.next += 1)}`;
    try {
      await exec(protocol.serialize.parse({ name, text }));
      const described = await exec(protocol.serialize.describe({ type: "S", name }));
      statement = { name, types: parse.parseDescribeStatementResults(described) };
    } finally {
      // After an error the backend skips everything up to Sync: always send it.
      await exec(protocol.serialize.sync());
    }
    statements.set(text, statement);
    return statement;
  };

  const run = async (statement: PreparedStatement, params: readonly unknown[]): Promise<BackendMessage[]> => {
    const messages: BackendMessage[] = [];
    try {
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serializer = pglite.serializers[statement.types[i] ?? 0];
        return serializer === undefined ? String(value) : serializer(value);
      });
      messages.push(
        ...(await exec(protocol.serialize.bind({ statement: statement.name, values }))),
        ...(await exec(protocol.serialize.describe({ type: "P" }))),
        ...(await exec(protocol.serialize.execute({}))),
      );
    } finally {
      messages.push(...(await exec(protocol.serialize.sync(), true)));
    }
    return messages;
  };

  const named = async <T>(
    text: string,
    params: readonly unknown[],
    options?: QueryOptions,
  ): Promise<Results<T>> => {
    // As PGlite's own query: wait until it is ready, outside the locks (its start-up takes them).
    await pglite._checkReady();
    return pglite._runExclusiveTransaction(() =>
      pglite._runExclusiveQuery(async () => {
        // Again inside them: close() may have begun while this call waited its turn.
        await pglite._checkReady();
        let messages: BackendMessage[];
        try {
          messages = await run(await prepare(text), params);
        } catch (error) {
          // A statement whose plan a schema change made stale (0A000: "cached plan must not
          // change result type") or that is gone (26000) is prepared again, once, under a new name.
          if (!isStaleStatement(error)) throw error;
          statements.delete(text);
          messages = await run(await prepare(text), params);
        }
        return parse.parseResults(messages, pglite.parsers, options)[0] as Results<T>;
      }),
    );
  };

  const query = <T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> =>
    params !== undefined &&
    params.length > 0 &&
    text.length <= maxPreparedLength &&
    !unnamed.test(text) &&
    (statements.has(text) || statements.size < maxPrepared)
      ? named<T>(text, params, options)
      : pglite.query<T>(text, params, options);

  return new Proxy(pglite, {
    get(target, property) {
      if (property === "query") return query;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
