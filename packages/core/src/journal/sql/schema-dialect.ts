import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  TransactionSettings,
} from "kysely";
import { DEFAULT_SCHEMA } from "../../validation/schema-name.ts";
import { schemaSql } from "./instance-schema.ts";

/**
 * Wraps a Kysely dialect so that every statement its connections run is mapped to instance
 * `schema` (see `schemaSql`): the one place where the journal's, the migrations' and the test
 * kit's `continuum.<table>` text becomes `"<schema>".<table>`, below Kysely's compiler and above
 * the driver (so a prepared statement's name is the digest of the mapped text). For the default
 * schema it returns `dialect` itself: nothing is wrapped, nothing costs.
 *
 * Build your own Kysely with it when you pass one to `openJournal({ kysely, schema })`.
 *
 * @example
 * ```ts
 * const db = new Kysely({ dialect: continuumSchemaDialect(new PGliteDialect({ pglite }), "billing") });
 * const journal = await openJournal({ kysely: db, pglite, schema: "billing", migrate: true });
 * ```
 */
export function continuumSchemaDialect(dialect: Dialect, schema: string): Dialect {
  if (schema === DEFAULT_SCHEMA) return dialect;
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => schemaDriver(dialect.createDriver(), schema),
  };
}

function schemaDriver(driver: Driver, schema: string): Driver {
  // Kysely hands our wrappers back to the driver (transactions, release): unwrap them there.
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (connection: DatabaseConnection): DatabaseConnection => inner.get(connection) ?? connection;
  const mapped = (query: CompiledQuery): CompiledQuery => {
    const text = schemaSql(query.sql, schema);
    return text === query.sql ? query : { ...query, sql: text };
  };
  const wrapped: Driver = {
    init: (options) => driver.init(options),
    acquireConnection: async (options) => {
      const connection = await driver.acquireConnection(options);
      const wrapper: DatabaseConnection = {
        executeQuery: (query, queryOptions) => connection.executeQuery(mapped(query), queryOptions),
        streamQuery: (query, chunkSize, queryOptions) =>
          connection.streamQuery(mapped(query), chunkSize, queryOptions),
        ...(connection.cancelQuery !== undefined
          ? { cancelQuery: connection.cancelQuery.bind(connection) }
          : {}),
        ...(connection.collectSessionInfo !== undefined
          ? { collectSessionInfo: connection.collectSessionInfo.bind(connection) }
          : {}),
        ...(connection.killSession !== undefined
          ? { killSession: connection.killSession.bind(connection) }
          : {}),
      };
      inner.set(wrapper, connection);
      return wrapper;
    },
    beginTransaction: (connection, settings: TransactionSettings) =>
      driver.beginTransaction(unwrap(connection), settings),
    commitTransaction: (connection) => driver.commitTransaction(unwrap(connection)),
    rollbackTransaction: (connection) => driver.rollbackTransaction(unwrap(connection)),
    releaseConnection: (connection, options) => driver.releaseConnection(unwrap(connection), options),
    destroy: (options) => driver.destroy(options),
  };
  const savepoints = ["savepoint", "rollbackToSavepoint", "releaseSavepoint"] as const;
  for (const method of savepoints) {
    const original = driver[method];
    if (original !== undefined) {
      wrapped[method] = (
        connection: DatabaseConnection,
        name: string,
        compile: QueryCompiler["compileQuery"],
      ) => original.call(driver, unwrap(connection), name, compile);
    }
  }
  return wrapped;
}
