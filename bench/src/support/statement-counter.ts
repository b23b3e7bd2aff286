import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Statements sent through every copy of `pg` the peers load, by kind. */
export interface StatementCounts {
  total: number;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT: round trips that carry no work of their own. */
  transactionControl: number;
}

const counts: StatementCounts = { total: 0, transactionControl: 0 };
/** Statement texts (whitespace collapsed) with their counts and summed round-trip ms, kept when BENCH_STATEMENT_LOG is set. */
const byText = new Map<string, { count: number; ms: number }>();
const keepTexts = process.env.BENCH_STATEMENT_LOG !== undefined;
let installed = false;

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Wraps `Client.prototype.query` of each copy of `pg` that Continuum and the peers resolve, so
 * every statement any of them sends is counted, pools and LISTEN connections included. Used
 * because pg_stat_statements is not preloaded on the shared server (enabling it needs a restart).
 */
export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const fromBench = createRequire(join(benchRoot, "package.json"));
  const bases = [join(benchRoot, "package.json")];
  for (const pkg of ["@continuum/core", "@dbos-inc/dbos-sdk", "pg-boss", "graphile-worker"]) {
    try {
      bases.push(join(realpathSync(join(benchRoot, "node_modules", pkg)), "package.json"));
    } catch {
      // A peer that is not installed is reported missing by its own scenario.
    }
  }
  const prototypes = new Set<{ query: (...args: unknown[]) => unknown }>();
  for (const base of bases) {
    try {
      const pgPath = createRequire(base).resolve("pg");
      const pgModule = fromBench(pgPath) as {
        Client: { prototype: { query: (...args: unknown[]) => unknown } };
      };
      prototypes.add(pgModule.Client.prototype);
    } catch {
      // That package does not use pg.
    }
  }
  for (const proto of prototypes) {
    const original = proto.query;
    proto.query = function countedQuery(this: unknown, ...args: unknown[]): unknown {
      const first = args[0];
      const text =
        typeof first === "string"
          ? first
          : typeof first === "object" && first !== null && "text" in first
            ? String((first as { text: unknown }).text)
            : "";
      counts.total += 1;
      if (/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START TRANSACTION)\b/i.test(text))
        counts.transactionControl += 1;
      const result = original.apply(this, args);
      if (keepTexts) {
        const key = text.replace(/\s+/g, " ").trim().slice(0, 160);
        const entry = byText.get(key) ?? { count: 0, ms: 0 };
        byText.set(key, entry);
        entry.count += 1;
        const t0 = performance.now();
        if (
          result !== null &&
          typeof result === "object" &&
          typeof (result as Promise<unknown>).then === "function"
        ) {
          (result as Promise<unknown>).then(
            () => (entry.ms += performance.now() - t0),
            () => (entry.ms += performance.now() - t0),
          );
        }
      }
      return result;
    };
  }
}

/** A copy of the counters now. */
export function statementCounts(): StatementCounts {
  return { ...counts };
}

/** The most frequent statement texts (only when BENCH_STATEMENT_LOG is set), most frequent first. */
export function topStatements(limit = 25): Array<{ text: string; count: number; ms: number }> {
  return [...byText.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, limit)
    .map(([text, { count, ms }]) => ({ text, count, ms }));
}
