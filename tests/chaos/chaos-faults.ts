import type pg from "pg";
import type { PrivatePostgres } from "../support/private-postgres.ts";
import type { ChaosEngine, ChaosEngines } from "./chaos-engines.ts";
import { pause } from "./chaos-options.ts";

/** A SIGKILL of an engine and what it held at that moment. */
export interface KillRecord {
  readonly owner: string;
  /** By the database clock, read just before the signal. */
  readonly at: number;
  /** Unfinished runs whose lease the engine held. */
  readonly held: readonly string[];
  /** The other engines that were up (READY) at the kill. */
  readonly survivors: readonly string[];
  /**
   * Of those, the ones another engine could resume once the lease ran out: ready to step (or
   * already taken over) just before the killed engine's leases could expire. A run waiting for
   * a sleep, a signal or an activity the killed engine was running has nothing to resume yet;
   * undefined until probed (or when the probe met the server restarting).
   */
  eligible?: readonly string[];
  /** At the probe: ready runs no live lease holds (a backlog delays takeovers: capacity, not recovery). */
  backlog?: number;
  /** At the probe: when the eligible runs' leases run out and until when they are deferred (database clock). */
  leases?: readonly { runId: string; expiresAt: number | null; notBefore: number | null }[];
}

/** A server restart: from the stop to the moment it accepts connections again (driver clock). */
export interface RestartRecord {
  readonly from: number;
  readonly to: number;
}

/** A SIGSTOP..SIGCONT of an engine (driver clock). */
export interface StopRecord {
  readonly owner: string;
  readonly from: number;
  readonly to: number;
}

/** Counts and records of the faults injected. */
export interface FaultLog {
  readonly kills: KillRecord[];
  /**
   * Kills not done because fewer than two engines were up: killing the last engine that is up
   * would measure how long a replacement takes to boot, not how soon a live engine recovers.
   */
  killsSkipped: number;
  stops: number;
  readonly stopped: StopRecord[];
  listenKills: number;
  listenConnectionsKilled: number;
  readonly restarts: RestartRecord[];
  /** Probes of the kills, awaited before the check. */
  readonly probes: Promise<void>[];
}

/**
 * Lets the driver keep sends that cannot be retried safely (signals without a delivery id) out
 * of a server restart: such a send whose answer is lost may or may not have landed, and only a
 * delivery id makes a retry harmless. Sends hold it shared; a restart takes it exclusively.
 */
export class RestartGate {
  #inFlight = 0;
  #restarting: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  async shared<T>(operation: () => Promise<T>): Promise<T> {
    while (this.#restarting !== undefined) await this.#restarting;
    this.#inFlight += 1;
    try {
      return await operation();
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#drained?.();
    }
  }

  async exclusive(operation: () => Promise<void>): Promise<void> {
    let open = (): void => {};
    this.#restarting = new Promise((resolve) => (open = resolve));
    try {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
      await operation();
    } finally {
      this.#restarting = undefined;
      open();
    }
  }
}

/** The fault injector: every action the driver takes against engines and the server. */
export function createFaults(options: {
  server: PrivatePostgres;
  sql: pg.Pool;
  engines: ChaosEngines;
  leaseMs: number;
  random: () => number;
  gate: RestartGate;
}) {
  const { server, sql, engines, leaseMs, random, gate } = options;
  const log: FaultLog = {
    kills: [],
    killsSkipped: 0,
    stops: 0,
    stopped: [],
    listenKills: 0,
    listenConnectionsKilled: 0,
    restarts: [],
    probes: [],
  };
  const up = (): ChaosEngine[] =>
    [...engines.live].filter((engine) => !engine.stopped && engine.readyAt !== undefined);
  const pick = (): ChaosEngine | undefined => {
    const candidates = up();
    return candidates[Math.floor(random() * candidates.length)];
  };

  return {
    log,
    /** SIGKILLs a random engine (recording what it held) and starts a replacement. */
    async kill(): Promise<void> {
      if (up().length < 2) {
        log.killsSkipped += 1;
        return;
      }
      const victim = pick();
      if (victim === undefined) return;
      const survivors = up()
        .filter((engine) => engine !== victim)
        .map((engine) => engine.owner);
      const now = await sql.query<{ at: number }>(
        "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS at",
      );
      await engines.kill(victim);
      const held = await sql.query<{ run_id: string }>(
        `SELECT run_id FROM continuum.runs
         WHERE lease_owner = $1 AND status NOT IN ('completed', 'failed', 'cancelled', 'continued')`,
        [victim.owner],
      );
      const record: KillRecord = {
        owner: victim.owner,
        at: now.rows[0]?.at ?? Number.NaN,
        held: held.rows.map((row) => row.run_id),
        survivors,
      };
      log.kills.push(record);
      engines.launch();
      // Every lease of the killed engine ran out by kill + leaseMs (it renewed them before dying):
      // look just before that at which of its runs had something to resume.
      log.probes.push(
        (async () => {
          await pause(Math.floor(leaseMs * 0.9));
          const ready = await sql.query<{
            run_id: string;
            expires_at: number | null;
            not_before: number | null;
          }>(
            `SELECT run_id, (extract(epoch FROM lease_expires_at) * 1000)::float8 AS expires_at,
                    (extract(epoch FROM not_before) * 1000)::float8 AS not_before
             FROM continuum.runs WHERE run_id = ANY($1)
               AND (ready_since IS NOT NULL OR lease_owner IS DISTINCT FROM $2)`,
            [record.held, victim.owner],
          );
          record.eligible = ready.rows.map((row) => row.run_id);
          record.leases = ready.rows.map((row) => ({
            runId: row.run_id,
            expiresAt: row.expires_at,
            notBefore: row.not_before,
          }));
          const backlog = await sql.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM continuum.runs WHERE ready_since IS NOT NULL
               AND (lease_owner IS NULL OR lease_expires_at <= now())
               AND status NOT IN ('completed', 'failed', 'cancelled', 'continued')`,
          );
          record.backlog = backlog.rows[0]?.n ?? 0;
        })().catch(() => {}),
      );
    },
    /** Freezes a random engine with SIGSTOP for 1.5-2.5 leases, then lets it go on (its writes must be fenced). */
    async stop(): Promise<void> {
      const victim = pick();
      if (victim === undefined) return;
      victim.stopped = true;
      const from = Date.now();
      victim.process.signal("SIGSTOP");
      log.stops += 1;
      await pause(Math.floor(leaseMs * (1.5 + random())));
      victim.process.signal("SIGCONT");
      victim.stopped = false;
      log.stopped.push({ owner: victim.owner, from, to: Date.now() });
    },
    /** Has the server end every LISTEN connection (engines' and the driver's). */
    async killListen(): Promise<void> {
      const killed = await sql.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'continuum-listen'",
      );
      log.listenKills += 1;
      log.listenConnectionsKilled += killed.rowCount ?? 0;
    },
    /** Restarts the private server (fast shutdown: every connection is cut). */
    async restart(): Promise<void> {
      await gate.exclusive(async () => {
        const from = Date.now();
        server.stop();
        await pause(300 + Math.floor(random() * 700));
        server.start();
        log.restarts.push({ from, to: Date.now() });
      });
    },
  };
}

/** The fault injector's type. */
export type Faults = ReturnType<typeof createFaults>;
