import {
  sql as kyselySql,
  CompiledQuery,
  isOperationNodeSource,
  RawNode,
  ValueNode,
  type Kysely,
  type OperationNode,
  type QueryResult,
} from "kysely";

// The journal's hot statements (the start with its first step, a step's commit, a finish and
// step) are built for every step, and Kysely's `sql` tag costs more than their text: each
// fragment becomes a frozen tree of operation nodes with a fresh query id, which its compiler
// then walks (about 0.3 ms of Node's CPU per 3-step workflow, a quarter of what a workflow
// allocates). This template keeps what a fragment is (its literal strings, shared per call
// site by the language, and its values) and compiles by concatenation. It is interchangeable
// with Kysely's both ways: a template embeds in a Kysely `sql` template (it is an
// operation-node source) and a Kysely `sql` fragment embeds in a template (its raw and value
// nodes are read directly), so files move over one at a time and cold statements keep Kysely.

/** What a template can run on: the journal's Kysely or a transaction of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the journal's tables are untyped (see sql-fragments.ts)
type Executor = Kysely<any>;

/**
 * A SQL fragment: literal text around values, each value a parameter (`$n`), another template,
 * or a Kysely `sql` fragment. `R` is the row type `execute` returns.
 *
 * @example
 * ```ts
 * const byId = (id: string) => sql`run_id = ${id}`;
 * const { rows } = await sql<{ status: string }>`SELECT status FROM continuum.runs WHERE ${byId(runId)}`.execute(db);
 * ```
 */
export class SqlTemplate<R = unknown> {
  #node: RawNode | undefined;

  /** The literal text around the values: one more than there are values, as in a tagged template. */
  readonly strings: readonly string[];
  readonly values: readonly unknown[];

  constructor(strings: readonly string[], values: readonly unknown[]) {
    this.strings = strings;
    this.values = values;
  }

  /** The statement's text (`$1`, `$2`, ... in order of appearance) and its parameters. */
  compile(): { readonly sql: string; readonly parameters: unknown[] } {
    const out: Compiling = { sql: "", parameters: [] };
    appendTemplate(this, out);
    return out;
  }

  /**
   * Runs the statement on `db`. A Kysely with plugins (an app's own instance, passed to
   * openJournal or bindTransaction) gets it through Kysely's compiler, so that each plugin's
   * `transformQuery` sees it as before; the journal's own instance has none.
   */
  execute(db: Executor): Promise<QueryResult<R>> {
    if (db.getExecutor().plugins.length > 0) return kyselySql<R>`${this}`.execute(db);
    const { sql: text, parameters } = this.compile();
    return db.executeQuery<R>(CompiledQuery.raw(text, parameters));
  }

  /** Marks the template as an expression for Kysely's query builder, which then embeds it as SQL, not as a value. */
  get expressionType(): R | undefined {
    return undefined;
  }

  /** The same fragment as a Kysely node, so that it embeds in Kysely's `sql` (built once per template). */
  toOperationNode(): RawNode {
    this.#node ??= RawNode.create(
      this.strings,
      this.values.map((value) =>
        isOperationNodeSource(value) ? value.toOperationNode() : ValueNode.create(value),
      ),
    );
    return this.#node;
  }
}

interface Compiling {
  sql: string;
  parameters: unknown[];
}

function appendTemplate(template: SqlTemplate, out: Compiling): void {
  const { strings, values } = template;
  for (let i = 0; i < values.length; i++) {
    out.sql += strings[i];
    appendValue(values[i], out);
  }
  out.sql += strings[values.length];
}

function appendValue(value: unknown, out: Compiling): void {
  if (value instanceof SqlTemplate) appendTemplate(value, out);
  else if (isOperationNodeSource(value)) appendNode(value.toOperationNode(), out);
  else {
    out.parameters.push(value);
    out.sql += `$${out.parameters.length}`;
  }
}

/** A Kysely fragment inside a template: `sql` templates, `sql.raw`, `sql.lit` and `sql.join` give only these nodes. */
function appendNode(node: OperationNode, out: Compiling): void {
  if (RawNode.is(node)) {
    const { sqlFragments, parameters } = node;
    for (let i = 0; i < sqlFragments.length; i++) {
      out.sql += sqlFragments[i];
      const parameter = parameters[i];
      if (parameter !== undefined) appendNode(parameter, out);
    }
  } else if (ValueNode.is(node)) {
    if (node.immediate === true) out.sql += literal(node.value);
    else {
      out.parameters.push(node.value);
      out.sql += `$${out.parameters.length}`;
    }
  } else {
    throw new Error(
      `a journal statement embeds a Kysely ${node.kind}; build that fragment with sql-template's sql instead`,
    );
  }
}

/** A value written into the text, as Kysely writes an immediate value. */
function literal(value: unknown): string {
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  throw new Error(`sql.lit takes a string, number, boolean or null, not ${typeof value}`);
}

const emptyValues: readonly unknown[] = Object.freeze([]);

/**
 * The journal's template tag for hot statements: Kysely's `sql` tag, minus its operation-node
 * trees (see the top of this file). `sql.raw`, `sql.lit` and `sql.join` behave as Kysely's do.
 *
 * @example
 * ```ts
 * const rows = values.map((v) => sql`(${v.id}::text, ${v.n}::int)`);
 * await sql`INSERT INTO continuum.example (id, n) VALUES ${sql.join(rows)}`.execute(db);
 * ```
 */
export const sql = Object.assign(
  <R = unknown>(strings: TemplateStringsArray, ...values: unknown[]): SqlTemplate<R> =>
    new SqlTemplate<R>(strings, values),
  {
    /** Text put into the statement as is: never pass it anything a caller supplied. */
    raw<R = unknown>(text: string): SqlTemplate<R> {
      return new SqlTemplate<R>([text], emptyValues);
    },
    /** A value written into the text as a literal (a string is quoted and escaped). */
    lit<R = unknown>(value: string | number | boolean | null): SqlTemplate<R> {
      return new SqlTemplate<R>([literal(value)], emptyValues);
    },
    /** `items` separated by `separator` (`, ` by default); a plain item is a parameter. */
    join(items: readonly unknown[], separator?: SqlTemplate): SqlTemplate {
      if (items.length === 0) return new SqlTemplate([""], emptyValues);
      const between =
        separator === undefined ? ", " : separator.values.length === 0 ? separator.strings[0]! : undefined;
      if (between === undefined) {
        // A separator with values of its own: each goes in between as a value.
        const values: unknown[] = [items[0]];
        for (let i = 1; i < items.length; i++) values.push(separator, items[i]);
        return new SqlTemplate(new Array<string>(values.length + 1).fill(""), values);
      }
      const strings = new Array<string>(items.length + 1).fill(between);
      strings[0] = "";
      strings[items.length] = "";
      return new SqlTemplate(strings, items);
    },
  },
);
