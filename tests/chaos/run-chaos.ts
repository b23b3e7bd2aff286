import { writeFileSync } from "node:fs";
import { createClient, openJournal, RunFinishedError, type Client } from "@continuum/core";
import pg from "pg";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.ts";
import { checkInvariants, type CheckReport } from "./chaos-checker.ts";
import { ChaosEngines } from "./chaos-engines.ts";
import { createFaults, RestartGate, type FaultLog } from "./chaos-faults.ts";
import { pause, prng, retrying, type ChaosOptions } from "./chaos-options.ts";
import { planWorkload, type PlannedSignal } from "./chaos-workload.ts";
import { orderFlow, tallyFlow } from "./chaos-workflows.ts";

/** Everything a chaos run did and found. */
export interface ChaosReport {
  readonly options: ChaosOptions;
  readonly faults: FaultLog;
  readonly check: CheckReport;
  readonly signals: { sent: number; withoutId: number; duplicatesSent: number; duplicatesRefused: number };
  /** Engines' writes refused after a SIGSTOP (LOST lines): fencing at work. */
  readonly leasesLost: number;
  /** engine.error events (a statement cut by the restart, a LISTEN connection lost): survived. */
  readonly engineErrors: number;
  readonly enginesStarted: number;
  readonly durationMs: number;
}

interface SignalCounts {
  sent: number;
  withoutId: number;
  duplicatesSent: number;
  duplicatesRefused: number;
}

/** Sends one sender's signals in order (each waits for the previous one's answer). */
async function sendAll(
  client: Client,
  gate: RestartGate,
  runId: string,
  signals: readonly PlannedSignal[],
  gapMs: () => number,
  counts: SignalCounts,
  pending: Promise<void>[],
): Promise<void> {
  for (const planned of signals) {
    await pause(gapMs());
    const payload = { sender: planned.sender, seq: planned.seq, value: planned.value };
    if (planned.deliveryId === undefined) {
      // Not retried: without a delivery id a lost answer leaves the caller unable to know whether
      // the signal landed, so these sends are kept out of server restarts instead.
      await gate.shared(() => client.signal(runId, "add", payload));
      counts.withoutId += 1;
    } else {
      const deliveryId = planned.deliveryId;
      await retrying(() => client.signal(runId, "add", payload, { deliveryId }));
      const again = planned.duplicateAfterMs;
      if (again !== undefined) {
        // The duplicate goes out on its own, later, possibly after a handover or the run's end.
        pending.push(
          (async () => {
            await pause(again);
            counts.duplicatesSent += 1;
            try {
              const { accepted } = await retrying(() => client.signal(runId, "add", payload, { deliveryId }));
              if (!accepted) counts.duplicatesRefused += 1;
            } catch (error) {
              if (!(error instanceof RunFinishedError)) throw error;
              counts.duplicatesRefused += 1;
            }
          })(),
        );
      }
    }
    counts.sent += 1;
  }
}

/**
 * One chaos run on a private PostgreSQL cluster: engines in real processes with skewed clocks,
 * the workload of chaos-workload.ts driven through the client, faults injected for
 * `options.seconds`, then every invariant checked. Cleans up whatever happens.
 */
export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const started = performance.now();
  const random = prng(options.seed);
  const periodMs = options.seconds * 1_000;
  const workload = planWorkload(random, options.runs, options.chains, periodMs);
  let server: PrivatePostgres | undefined;
  let engines: ChaosEngines | undefined;
  let sql: pg.Pool | undefined;
  let journal: Awaited<ReturnType<typeof openJournal>> | undefined;
  try {
    // Several engines with their pools (up to 14 connections each), replacements booting while
    // killed ones' backends go away, plus the driver: more than the cluster's default 50.
    server = await startPrivatePostgres({ maxConnections: 300 });
    journal = await openJournal({ url: server.url, migrate: true });
    sql = new pg.Pool({ connectionString: server.url, max: 4 });
    sql.on("error", () => {});
    await sql.query(
      "CREATE TABLE chaos_attempts (key text NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())",
    );
    await sql.query("CREATE TABLE chaos_effects (key text PRIMARY KEY, pid int NOT NULL)");

    engines = new ChaosEngines(server.url, options.leaseMs, options.clockSkewMs);
    for (let i = 0; i < options.engines; i += 1) engines.launch();
    await Promise.all([...engines.live].map((engine) => engine.process.waitForLine(/^READY/)));
    log(
      `engines: ${[...engines.live].map((e) => `${e.owner} (clock ${e.clockOffsetMs >= 0 ? "+" : ""}${e.clockOffsetMs} ms)`).join(", ")}`,
    );

    const client = createClient({ journal, pollIntervalMs: 200 });
    const gate = new RestartGate();
    const faults = createFaults({ server, sql, engines, leaseMs: options.leaseMs, random, gate });
    const counts: SignalCounts = { sent: 0, withoutId: 0, duplicatesSent: 0, duplicatesRefused: 0 };
    const duplicates: Promise<void>[] = [];
    const runIds = new Map<string, string>();
    const gap = () => Math.floor(random() * 1_500);

    // The workload: chains at once (their signals spread over the period), orders one after another.
    // Half the chain signals go out back to back, so that some race a handover.
    const chainGap = () => (random() < 0.5 ? 0 : Math.floor(random() * ((periodMs * 0.8) / 4)));
    const driving: Promise<void>[] = [];
    for (const chain of workload.chains) {
      const run = await retrying(() =>
        client.start(
          tallyFlow,
          { key: chain.key, seen: [], total: chain.total, every: chain.every, round: 0 },
          { id: chain.id },
        ),
      );
      runIds.set(chain.id, run.runId);
      for (const signals of chain.senders)
        driving.push(sendAll(client, gate, run.runId, signals, chainGap, counts, duplicates));
    }
    const fromStart = performance.now();
    driving.push(
      (async () => {
        const sending: Promise<void>[] = [];
        for (const order of workload.orders) {
          const wait = order.startAtMs - (performance.now() - fromStart);
          if (wait > 0) await pause(wait);
          const run = await retrying(() => client.start(orderFlow, order.input, { id: order.id }));
          runIds.set(order.id, run.runId);
          for (const signals of order.senders)
            sending.push(sendAll(client, gate, run.runId, signals, gap, counts, duplicates));
        }
        await Promise.all(sending);
      })(),
    );

    // Faults: a kill most of the time; now and then a freeze, a LISTEN kill; restarts at fixed
    // points of the period, so every run has at least one.
    const restartAt = Array.from(
      { length: options.restarts },
      (_, i) => (periodMs * (i + 1)) / (options.restarts + 1),
    );
    let faultCount = 0;
    while (performance.now() - fromStart < periodMs) {
      await pause(300 + Math.floor(random() * 700));
      const elapsed = performance.now() - fromStart;
      if (restartAt.length > 0 && elapsed >= (restartAt[0] ?? Infinity)) {
        restartAt.shift();
        log(`${(elapsed / 1000).toFixed(1)} s: restarting the server`);
        await faults.restart();
        continue;
      }
      // The first fault is always a kill (all engines are up then) and the second a LISTEN
      // kill, so that even a short run on a busy machine, where freezes and boots eat the
      // period, has every kind of fault.
      faultCount += 1;
      const dice = faultCount === 1 ? 0 : faultCount === 2 ? 0.9 : random();
      try {
        if (dice < 0.6) await faults.kill();
        else if (dice < 0.8) await faults.stop();
        else await faults.killListen();
      } catch (error) {
        // The server may be coming back from its restart: a fault that could not be injected is skipped.
        log(`fault skipped: ${String(error)}`);
      }
    }
    log(
      `faults done: ${faults.log.kills.length} SIGKILLs, ${faults.log.stops} SIGSTOPs, ${faults.log.restarts.length} restarts, ${faults.log.listenKills} LISTEN kills; waiting for the workload`,
    );

    // Settle: every send done, every run finished.
    const settle = (async () => {
      await Promise.all(driving);
      await Promise.all(duplicates);
      await Promise.all(faults.log.probes);
      const results = new Map<string, unknown>();
      for (const [id, runId] of runIds) results.set(id, await retrying(() => client.result(runId)));
      return results;
    })();
    const results = await (options.settleMs === undefined
      ? settle
      : Promise.race([
          settle,
          pause(options.settleMs).then(() => {
            throw new Error(
              `the workload did not finish within ${options.settleMs} ms after the faults stopped`,
            );
          }),
        ]));

    const check = await checkInvariants({
      client,
      sql,
      workload,
      results,
      faults: faults.log,
      acquisitions: engines.acquisitions(),
      leaseMs: options.leaseMs,
    });
    for (const line of engines.lines(/^DRIFT|^FAILED/)) check.violations.push(`engine reported: ${line}`);
    if (process.env.CHAOS_DUMP !== undefined)
      writeFileSync(
        process.env.CHAOS_DUMP,
        JSON.stringify({
          kills: faults.log.kills,
          restarts: faults.log.restarts,
          engines: engines.all.map((e) => ({
            owner: e.owner,
            clockOffsetMs: e.clockOffsetMs,
            output: e.process.output,
          })),
        }),
      );
    return {
      options,
      faults: faults.log,
      check,
      signals: counts,
      leasesLost: engines.lines(/^LOST /).length,
      engineErrors: engines.lines(/^ERROR /).length,
      enginesStarted: engines.all.length,
      durationMs: performance.now() - started,
    };
  } finally {
    await engines?.killAll();
    await sql?.end().catch(() => {});
    await journal?.close().catch(() => {});
    server?.destroy();
  }
}
