import { fileURLToPath } from "node:url";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";

const engineScript = fileURLToPath(new URL("./chaos-engine.ts", import.meta.url));
const skewPreload = fileURLToPath(new URL("./clock-skew.ts", import.meta.url));

/** An engine process of the suite and the clock offset its host runs with. */
export interface ChaosEngine {
  readonly process: ManagedProcess;
  readonly owner: string;
  readonly clockOffsetMs: number;
  stopped: boolean;
  /** When it printed READY (driver clock), once it has: booting under load can take seconds. */
  readyAt?: number;
}

/** A lease an engine took, read from its ACQ lines: by the database clock. */
export interface Acquisition {
  readonly owner: string;
  readonly runId: string;
  readonly at: number;
}

/**
 * The engine processes of one chaos run: launches them (each with its own clock offset, cycling
 * through +skew, -skew, +skew/2, -skew/2, 0), keeps every one ever started so their output can
 * be read afterwards, and kills them all at the end.
 */
export class ChaosEngines {
  readonly all: ChaosEngine[] = [];
  readonly live = new Set<ChaosEngine>();
  readonly #databaseUrl: string;
  readonly #leaseMs: number;
  readonly #clockSkewMs: number;
  #launched = 0;

  constructor(databaseUrl: string, leaseMs: number, clockSkewMs: number) {
    this.#databaseUrl = databaseUrl;
    this.#leaseMs = leaseMs;
    this.#clockSkewMs = clockSkewMs;
  }

  launch(): ChaosEngine {
    const offsets = [1, -1, 0.5, -0.5, 0].map((f) => Math.round(f * this.#clockSkewMs));
    const clockOffsetMs = offsets[this.#launched % offsets.length] ?? 0;
    this.#launched += 1;
    const child = startNodeProcess(engineScript, {
      DATABASE_URL: this.#databaseUrl,
      LEASE_MS: String(this.#leaseMs),
      CHAOS_CLOCK_OFFSET_MS: String(clockOffsetMs),
      NODE_OPTIONS: `--import=${skewPreload}`,
    });
    const engine: ChaosEngine = {
      process: child,
      owner: `engine-${child.pid}`,
      clockOffsetMs,
      stopped: false,
    };
    const onData = (chunk: string): void => {
      if (!chunk.includes("READY")) return;
      engine.readyAt = Date.now();
      child.child.stdout?.off("data", onData);
    };
    child.child.stdout?.on("data", onData);
    this.all.push(engine);
    this.live.add(engine);
    return engine;
  }

  /** SIGKILLs `engine` and waits until it is gone. */
  async kill(engine: ChaosEngine): Promise<void> {
    engine.process.signal("SIGKILL");
    if (engine.stopped) engine.process.signal("SIGCONT");
    await engine.process.exited;
    this.live.delete(engine);
  }

  /** Every lease taken by any engine, from the lines they printed. */
  acquisitions(): Acquisition[] {
    const found: Acquisition[] = [];
    for (const engine of this.all) {
      for (const line of engine.process.output) {
        const match = /^ACQ (\S+) (\d+(?:\.\d+)?)$/.exec(line);
        if (match !== null) found.push({ owner: engine.owner, runId: match[1] ?? "", at: Number(match[2]) });
      }
    }
    return found;
  }

  /** Lines matching `pattern` printed by any engine (LOST, DRIFT, FAILED, stderr). */
  lines(pattern: RegExp): string[] {
    return this.all.flatMap((engine) => engine.process.output.filter((line) => pattern.test(line)));
  }

  async killAll(): Promise<void> {
    for (const engine of this.all) {
      engine.process.signal("SIGCONT");
      engine.process.signal("SIGKILL");
    }
    await Promise.all(this.all.map((engine) => engine.process.exited));
    this.live.clear();
  }
}
