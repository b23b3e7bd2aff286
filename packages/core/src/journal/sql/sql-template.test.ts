import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql as kyselySql,
} from "kysely";
import { describe, expect, it } from "vitest";
import { sql, type SqlTemplate } from "./sql-template.ts";

// A Kysely that compiles and never connects: the reference the template must agree with.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped, like the journal's
const kysely = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const viaKysely = (template: SqlTemplate) => {
  const compiled = kyselySql`${template}`.compile(kysely);
  return { sql: compiled.sql, parameters: [...compiled.parameters] };
};

describe("sql-template", () => {
  it("numbers parameters in order of appearance through nested templates and joins", () => {
    const now = sql`continuum.now()`;
    const row = (id: string, n: number) => sql`(${id}::text, ${n}::int, ${now})`;
    const statement = sql`INSERT INTO t (id, n, at) VALUES ${sql.join([row("a", 1), row("b", 2)])} WHERE x = ${null} AND ${sql.join(
      [sql`y = ${3}`, sql`z = ${"w"}`],
      sql` AND `,
    )}`;
    expect(statement.compile()).toEqual({
      sql: "INSERT INTO t (id, n, at) VALUES ($1::text, $2::int, continuum.now()), ($3::text, $4::int, continuum.now()) WHERE x = $5 AND y = $6 AND z = $7",
      parameters: ["a", 1, "b", 2, null, 3, "w"],
    });
    // Embedded in Kysely's sql, it compiles to the same text and parameters.
    expect(viaKysely(statement)).toEqual(statement.compile());
  });

  it("writes literals and raw text as Kysely does, quotes escaped", () => {
    const statement = sql`SELECT pg_notify(${sql.lit("it's")}, ${sql.lit(7)}) ${sql.raw("FROM x")} ${sql.lit(true)} ${sql.lit(null)}`;
    expect(statement.compile()).toEqual({
      sql: "SELECT pg_notify('it''s', 7) FROM x true null",
      parameters: [],
    });
    expect(viaKysely(statement)).toEqual(statement.compile());
    const kyselyForm = kyselySql`SELECT pg_notify(${kyselySql.lit("it's")}, ${kyselySql.lit(7)}) ${kyselySql.raw("FROM x")} ${kyselySql.lit(true)} ${kyselySql.lit(null)}`;
    expect(kyselyForm.compile(kysely).sql).toBe(statement.compile().sql);
  });

  it("embeds Kysely's own fragments (templates, raw, lit, join) with the same numbering", () => {
    const mixed = sql`a = ${1} AND ${kyselySql`b IN (${kyselySql.join([2, 3])}) AND c = ${kyselySql.lit("x")}`} AND ${kyselySql.raw("d")} = ${4}`;
    const reference =
      kyselySql`a = ${1} AND ${kyselySql`b IN (${kyselySql.join([2, 3])}) AND c = ${kyselySql.lit("x")}`} AND ${kyselySql.raw("d")} = ${4}`.compile(
        kysely,
      );
    expect(mixed.compile()).toEqual({ sql: reference.sql, parameters: [...reference.parameters] });
    expect(mixed.compile().sql).toBe("a = $1 AND b IN ($2, $3) AND c = 'x' AND d = $4");
  });

  it("joins plain values as parameters, an empty list as nothing, and a separator with values of its own", () => {
    expect(sql`(${sql.join([1, "two", 3])})`.compile()).toEqual({
      sql: "($1, $2, $3)",
      parameters: [1, "two", 3],
    });
    expect(sql`[${sql.join([])}]`.compile()).toEqual({ sql: "[]", parameters: [] });
    const odd = sql`${sql.join([sql`a`, sql`b`], sql` OR ${9} OR `)}`;
    expect(odd.compile()).toEqual({ sql: "a OR $1 OR b", parameters: [9] });
    expect(viaKysely(odd)).toEqual(odd.compile());
  });

  it("refuses a Kysely node it cannot write, and a literal it cannot quote, with the reason", () => {
    expect(() => sql`SELECT ${kyselySql.ref("t.c")}`.compile()).toThrow(/embeds a Kysely ReferenceNode/);
    expect(() => sql.lit({} as unknown as string)).toThrow(/sql.lit takes a string, number, boolean or null/);
  });

  it("is an expression to Kysely's query builder: embedded as SQL, not bound as a value", () => {
    const compiled = kysely
      .updateTable("t")
      .set({ at: sql`continuum.now()` })
      .where("n", "<", sql`${5}::int`)
      .compile();
    expect(compiled.sql).toBe('update "t" set "at" = continuum.now() where "n" < $1::int');
    expect([...compiled.parameters]).toEqual([5]);
  });

  it("goes through Kysely's compiler on a Kysely with plugins, so each plugin's transformQuery sees it", async () => {
    const seen: unknown[] = [];
    const withPlugin = kysely.withPlugin({
      transformQuery: (args) => {
        seen.push(args.node);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const result = await sql`SELECT ${1}::int AS one`.execute(withPlugin);
    expect(result.rows).toEqual([]); // the dummy driver answers nothing
    expect(seen).toEqual([expect.objectContaining({ kind: "RawNode" })]);
  });

  it("compiles the same template the same way every time (operation nodes are built once and shared)", () => {
    const template = sql`x = ${1}`;
    expect(template.toOperationNode()).toBe(template.toOperationNode());
    expect(template.compile()).toEqual(template.compile());
  });
});
