import pg from "pg";

/**
 * What the scale scenario's coordinator and its engine processes say to each other: commands as
 * JSON lines on the engine's stdin, reports as JSON lines after {@link scaleMarker} on its stdout.
 * Times are wall-clock milliseconds with sub-millisecond precision ({@link wallNow}), comparable
 * across processes of one machine (network namespaces share the kernel's clock).
 */

/** How the coordinator starts an engine process. */
export interface EngineProcessConfig {
  /** Database URL as this process reaches it (through the forwarder in netns mode). */
  readonly url: string;
  /** 0-based engine index; engine 0 hosts the pinned waiting runs (see scale-engine.ts). */
  readonly index: number;
  /** How many engines take part. */
  readonly engines: number;
  /** Connections in the engine's pool (see {@link scalePool}). */
  readonly poolSize: number;
}

/** A command to an engine process. */
export type EngineCommand =
  | { readonly cmd: "go" }
  | { readonly cmd: "signal"; readonly run: string; readonly name: string; readonly value: number }
  | { readonly cmd: "stop" };

/** A report from an engine process (`e` is its index). */
export type EngineReport =
  | { readonly k: "ready"; readonly e: number }
  | { readonly k: "started"; readonly e: number; readonly at: number }
  | { readonly k: "done"; readonly run: string; readonly wf: string; readonly at: number; readonly e: number }
  | { readonly k: "awaited"; readonly run: string; readonly at: number; readonly e: number }
  | {
      readonly k: "child";
      readonly run: string;
      readonly child: string;
      readonly at: number;
      readonly e: number;
    }
  | { readonly k: "sent"; readonly run: string; readonly at: number; readonly e: number }
  | { readonly k: "failed"; readonly run: string; readonly error: string }
  | { readonly k: "error"; readonly where: string; readonly error: string }
  | { readonly k: "stopped"; readonly e: number };

/** Prefix of a report line (anything else on stdout is the engine's own log). */
export const scaleMarker = "@@SCALE ";

/** Wall-clock ms with sub-ms precision, comparable between processes of one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The pool an engine of the scale scenario opens its journal on: the one `openJournal({ url })`
 * would open (generic plans for its prepared statements), with `max` connections instead of
 * pg's default 10, so 8 engines (8 x (pool + 1 LISTEN connection)) fit beside the other users
 * of a shared server's `max_connections`.
 */
export function scalePool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: "continuum",
    onConnect: (client: pg.ClientBase) =>
      client.query("SET plan_cache_mode = force_generic_plan").then(
        () => {},
        () => {},
      ),
  });
  // As openJournal's own pool: a connection the server ends while idle (a restart, a DBA's
  // pg_terminate_backend) is dropped from the pool instead of crashing the process.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
