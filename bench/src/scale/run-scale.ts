import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, openJournal, type Client } from "@continuum/core";
import { threeStep } from "../peers/bench-flows.workflow.ts";
import { counterDelta, createDatabase, readDatabaseCounters } from "../support/database.ts";
import { percentile } from "../support/stats.ts";
import { transformerLoader } from "../support/transformer-loader.ts";
import { createSeparateHosts, type SeparateHost } from "./netns.ts";
import { scaleParent, scaleSleeper, scaleWaiter } from "./scale-flows.workflow.ts";
import { scaleMarker, scalePool, wallNow, type EngineCommand, type EngineReport } from "./scale-protocol.ts";

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, "..", "..");

/** One measurement of the scale scenario. */
export interface ScaleParams {
  /** Engine processes. */
  readonly engines: number;
  /** Three-step runs in the backlog the engines drain (throughput and fairness). */
  readonly runs: number;
  /** Runs of the latency phase (closed loop at `concurrency`). */
  readonly latencyRuns: number;
  readonly concurrency: number;
  /** Wake-ups of each kind (signal, child completion, timer), one at a time. */
  readonly rounds: number;
  /** Each engine in its own network namespace, through a forwarder (see netns.ts). */
  readonly separateHosts: boolean;
  /** Connections per engine's pool (and the coordinator's). */
  readonly poolSize: number;
}

/** What one measurement found (times in ms, throughput in workflows per second). */
export interface ScaleResult {
  readonly engines: number;
  readonly separateHosts: boolean;
  readonly runs: number;
  readonly wfPerSec: number;
  /** Transactions PostgreSQL committed per second while the backlog drained. */
  readonly commitsPerSec: number;
  /** CPU time of the database's backends per workflow of the backlog (ms). */
  readonly backendCpuMsPerWf: number;
  /** Runs each engine completed in the backlog phase (index = engine). */
  readonly perEngine: readonly number[];
  /** Fewest over most runs completed by one engine (1 = perfectly even). */
  readonly minMaxRatio: number;
  /** Coefficient of variation of the per-engine counts (0 = perfectly even). */
  readonly cv: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  /** Runs of the latency phase completed per engine. */
  readonly latencyPerEngine: readonly number[];
  readonly signalWake: readonly number[];
  readonly childWake: readonly number[];
  readonly timerWake: readonly number[];
  /** Wake-ups whose waker and waiting run were in different engine processes. */
  readonly crossEngineWakes: number;
  /** `engine.error` events (engines retry what failed: a full server, a dropped connection). */
  readonly engineErrors: number;
  readonly poolSize: number;
  readonly load1Before: number;
  readonly load1After: number;
}

/** Reports received so far, and waits for the next ones. */
class Mailbox {
  readonly #seen = new Map<string, EngineReport>();
  readonly #waiting = new Map<string, (report: EngineReport) => void>();
  readonly doneByEngine = new Map<number, number>();
  engineErrors = 0;
  failure: Error | undefined;
  #onFailure: ((error: Error) => void)[] = [];

  put(key: string, report: EngineReport): void {
    const waiter = this.#waiting.get(key);
    if (waiter === undefined) this.#seen.set(key, report);
    else {
      this.#waiting.delete(key);
      waiter(report);
    }
  }

  fail(error: Error): void {
    this.failure ??= error;
    for (const reject of this.#onFailure) reject(error);
  }

  /** The report under `key` (`done:<run>`, `awaited:<run>`, ...), now or when it arrives. */
  take<R extends EngineReport>(key: string): Promise<R> {
    const seen = this.#seen.get(key);
    if (seen !== undefined) {
      this.#seen.delete(key);
      return Promise.resolve(seen as R);
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<R>((resolve, reject) => {
      this.#waiting.set(key, resolve as (report: EngineReport) => void);
      this.#onFailure.push(reject);
    });
  }
}

interface EngineProcess {
  readonly child: ChildProcess;
  send(command: EngineCommand): void;
}

function spawnEngine(
  index: number,
  engines: number,
  poolSize: number,
  url: string,
  host: SeparateHost | undefined,
  mailbox: Mailbox,
): EngineProcess {
  const reachUrl = new URL(url);
  if (host !== undefined) {
    reachUrl.hostname = host.dbHost;
    reachUrl.port = String(host.dbPort);
  }
  const node = [
    process.execPath,
    "--no-deprecation",
    "--import",
    transformerLoader,
    join(here, "scale-engine.ts"),
    JSON.stringify({ url: reachUrl.toString(), index, engines, poolSize }),
  ];
  const [command, ...args] = host === undefined ? node : ["ip", "netns", "exec", host.namespace, ...node];
  const child = spawn(command as string, args, { cwd: benchDir, stdio: ["pipe", "pipe", "pipe"] });
  let buffered = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith(scaleMarker)) continue;
      const report = JSON.parse(line.slice(scaleMarker.length)) as EngineReport;
      switch (report.k) {
        case "done":
          mailbox.doneByEngine.set(report.e, (mailbox.doneByEngine.get(report.e) ?? 0) + 1);
          mailbox.put(`done:${report.run}`, report);
          break;
        case "awaited":
        case "sent":
          mailbox.put(`${report.k}:${report.run}`, report);
          break;
        case "child":
          mailbox.put(`child:${report.run}`, report);
          break;
        case "ready":
        case "stopped":
          mailbox.put(`${report.k}:${report.e}`, report);
          break;
        case "failed":
          mailbox.fail(new Error(`engine ${index}: run ${report.run} failed: ${report.error}`));
          break;
        case "error":
          // Engines retry what failed; a run that cannot finish shows up as a missing completion.
          mailbox.engineErrors += 1;
          if (mailbox.engineErrors <= 5) console.error(`engine ${index}: ${report.where}: ${report.error}`);
          if (report.where === "start" || report.where === "command")
            mailbox.fail(new Error(`engine ${index}: ${report.where}: ${report.error}`));
          break;
        case "started":
          break;
      }
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.on("exit", (code) => {
    if (code !== 0) mailbox.fail(new Error(`engine ${index} exited with ${code}: ${stderr}`));
  });
  return { child, send: (c) => child.stdin.write(`${JSON.stringify(c)}\n`) };
}

async function waitListening(host: string, port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `total` runs with `lanes` starts in flight; returns their run ids. */
async function startBacklog(client: Client, total: number, lanes: number): Promise<string[]> {
  const ids: string[] = new Array<string>(total);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      ids[i] = (await client.start(threeStep, i)).runId;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return ids;
}

function spread(counts: readonly number[]): { minMaxRatio: number; cv: number } {
  const max = Math.max(...counts);
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / counts.length;
  return {
    minMaxRatio: max === 0 ? 0 : Math.min(...counts) / max,
    cv: mean === 0 ? 0 : Math.sqrt(variance) / mean,
  };
}

/**
 * Measures `engines` engine processes sharing one fresh database: a backlog of three-step runs
 * drained by all (throughput, per-engine share), a closed loop of single runs (start to
 * completion latency), then one wake-up at a time of each kind across processes: a signal sent
 * from engine 1's process to a run waiting on engine 0; a child completing on engine 1 and its
 * parent resuming on engine 0; a timer coming due for a run on engine 0 (whichever engine's
 * timer wheel fires it). With one engine everything happens in that engine.
 */
export async function runScale(params: ScaleParams): Promise<ScaleResult> {
  const load1Before = loadavg()[0] ?? 0;
  const db = await createDatabase("continuum", `scale_e${params.engines}`);
  const pool = scalePool(db.url, params.poolSize);
  const journal = await openJournal({ pool, migrate: true });
  const mailbox = new Mailbox();
  const processes: EngineProcess[] = [];
  const separate = params.separateHosts
    ? createSeparateHosts(params.engines, {
        host: new URL(db.url).hostname,
        port: Number(new URL(db.url).port || 5432),
      })
    : undefined;
  try {
    for (const host of separate?.hosts ?? []) await waitListening(host.dbHost, host.dbPort);
    const client = createClient({ journal });
    const backlog = await startBacklog(client, params.runs, 8);
    for (let i = 0; i < params.engines; i += 1)
      processes.push(spawnEngine(i, params.engines, params.poolSize, db.url, separate?.hosts[i], mailbox));
    await Promise.all(processes.map((_, i) => mailbox.take(`ready:${i}`)));

    // Backlog: every engine starts at once and drains the same table.
    const before = await readDatabaseCounters(db.name);
    const t0 = wallNow();
    for (const p of processes) p.send({ cmd: "go" });
    let last = t0;
    for (const runId of backlog) last = Math.max(last, (await mailbox.take<DoneReport>(`done:${runId}`)).at);
    const database = counterDelta(before, await readDatabaseCounters(db.name));
    const perEngine = processes.map((_, i) => mailbox.doneByEngine.get(i) ?? 0);
    mailbox.doneByEngine.clear();

    // Latency: a closed loop of single runs started by a client without an engine.
    const latencies: number[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < params.latencyRuns) {
        const i = next++;
        const started = wallNow();
        const { runId } = await client.start(threeStep, i);
        latencies.push((await mailbox.take<DoneReport>(`done:${runId}`)).at - started);
      }
    };
    await Promise.all(Array.from({ length: params.concurrency }, lane));
    const latencyPerEngine = processes.map((_, i) => mailbox.doneByEngine.get(i) ?? 0);

    // Wake-ups, one at a time. Engine 0 hosts the waiting runs; engine 1 (when there is one) wakes.
    const waker = processes[params.engines > 1 ? 1 : 0] as EngineProcess;
    const signalWake: number[] = [];
    const childWake: number[] = [];
    const timerWake: number[] = [];
    let cross = 0;
    for (let r = 0; r < params.rounds; r += 1) {
      const waiter = await client.start(scaleWaiter, r);
      await mailbox.take(`awaited:${waiter.runId}`);
      waker.send({ cmd: "signal", run: waiter.runId, name: "go", value: r });
      const sent = await mailbox.take<SentReport>(`sent:${waiter.runId}`);
      const woken = await mailbox.take<DoneReport>(`done:${waiter.runId}`);
      signalWake.push(woken.at - sent.at);
      if (sent.e !== woken.e) cross += 1;

      const parent = await client.start(scaleParent, r);
      const { child } = await mailbox.take<ChildReport>(`child:${parent.runId}`);
      await mailbox.take(`awaited:${child}`);
      waker.send({ cmd: "signal", run: child, name: "finish", value: r });
      const childDone = await mailbox.take<DoneReport>(`done:${child}`);
      const parentDone = await mailbox.take<DoneReport>(`done:${parent.runId}`);
      childWake.push(parentDone.at - childDone.at);
      if (childDone.e !== parentDone.e) cross += 1;

      const until = Math.round(wallNow() + 300);
      const sleeper = await client.start(scaleSleeper, until);
      timerWake.push((await mailbox.take<DoneReport>(`done:${sleeper.runId}`)).at - until);
    }
    return {
      engines: params.engines,
      separateHosts: params.separateHosts,
      runs: params.runs,
      wfPerSec: (params.runs * 1000) / (last - t0),
      commitsPerSec: (database.commits * 1000) / (last - t0),
      backendCpuMsPerWf: database.backendCpuMs / params.runs,
      perEngine,
      ...spread(perEngine),
      latencyP50: percentile(latencies, 0.5),
      latencyP99: percentile(latencies, 0.99),
      latencyPerEngine,
      signalWake,
      childWake,
      timerWake,
      crossEngineWakes: cross,
      engineErrors: mailbox.engineErrors,
      poolSize: params.poolSize,
      load1Before,
      load1After: loadavg()[0] ?? 0,
    };
  } finally {
    for (const p of processes) if (p.child.exitCode === null) p.send({ cmd: "stop" });
    await Promise.all(
      processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null) return resolve();
            const kill = setTimeout(() => p.child.kill("SIGKILL"), 15_000);
            p.child.on("exit", () => {
              clearTimeout(kill);
              resolve();
            });
          }),
      ),
    );
    separate?.cleanup();
    await journal.close();
    await pool.end();
    await db.drop();
  }
}

type DoneReport = Extract<EngineReport, { k: "done" }>;
type SentReport = Extract<EngineReport, { k: "sent" }>;
type ChildReport = Extract<EngineReport, { k: "child" }>;
