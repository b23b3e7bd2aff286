import {
  activity,
  child,
  compensateAll,
  continueAsNew,
  defineActivity,
  now,
  signal,
  sleep,
  workflow,
} from "@continuum/core";
import pg from "pg";

// The chaos workload (hand-stamped, transformer/SPEC.md section 1: these run in engine processes
// started with plain node). Every activity writes its attempt and, once per idempotency key, its
// effect to tables of the suite's database; the checker counts them afterwards.

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
pool.on("error", () => {});

/** Retries for effects: the server restarts under them, engines die in the middle of them. */
const retry = { maxAttempts: 100, initialIntervalMs: 50, maxIntervalMs: 500 } as const;

/**
 * The user's pattern for at-least-once attempts: log the attempt, do the work, record the
 * effect once per key (the primary key refuses a second one).
 */
async function effect(key: string): Promise<void> {
  await pool.query("INSERT INTO chaos_attempts (key, pid) VALUES ($1, $2)", [key, process.pid]);
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20)));
  await pool.query("INSERT INTO chaos_effects (key, pid) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
    key,
    process.pid,
  ]);
}

/** Books item `item` of order `key`; returns item + 1 so the sum shows a lost or doubled booking. */
export const reserve = defineActivity(
  "chaos.reserve",
  async (key: string, item: number) => {
    await effect(`${key}:r${item}`);
    return item + 1;
  },
  { retry, timeoutMs: 3_000, idempotencyKey: (key, item) => `${key}:r${item}` },
);

/** The compensation of {@link reserve}. */
export const release = defineActivity(
  "chaos.release",
  async (key: string, item: number) => {
    await effect(`${key}:u${item}`);
    return item;
  },
  { retry, timeoutMs: 3_000, idempotencyKey: (key, item) => `${key}:u${item}` },
);

/** Fails for good: the orders that reach it compensate their bookings. */
export const charge = defineActivity(
  "chaos.charge",
  async (key: string): Promise<string> => {
    throw new Error(`card declined for ${key}`);
  },
  { retry: { maxAttempts: 1 }, timeoutMs: 3_000 },
);

/** The child's work. */
export const double = defineActivity(
  "chaos.double",
  async (key: string, value: number) => {
    await effect(`${key}:c`);
    return value * 2;
  },
  { retry, timeoutMs: 3_000, idempotencyKey: (key) => `${key}:c` },
);

/** One round of a tally chain. */
export const tallyRound = defineActivity(
  "chaos.tallyRound",
  async (key: string, round: number) => {
    await effect(`${key}:t${round}`);
    return round;
  },
  { retry, timeoutMs: 3_000, idempotencyKey: (key, round) => `${key}:t${round}` },
);

/** A signal of the workload: who sent it, its place in that sender's sequence, a value to sum. */
export interface ChaosSignal {
  readonly sender: string;
  readonly seq: number;
  readonly value: number;
}

/** Input of {@link orderFlow}. */
export interface OrderInput {
  readonly key: string;
  readonly items: number;
  readonly sleepMs: number;
  readonly childValue: number;
  /** Signals to take before finishing. */
  readonly signals: number;
  /** Whether the order ends at the failing charge (and compensates). */
  readonly fail: boolean;
}

/** What {@link orderFlow} returns; the driver computes the same from the input and what it sent. */
export interface OrderResult {
  readonly status: "ok" | "rolled back";
  readonly reserved: number;
  readonly doubled: number;
  readonly sum: number;
  /** `sender:seq` of every signal taken, in the order taken. */
  readonly seen: readonly string[];
  /** The workflow's now() right after its sleep (epoch ms): never before the sleep's due time. */
  readonly wokeAt: number;
  /** now() after every booking, the sleep and every signal, in order: workflow time never goes back. */
  readonly times: readonly number[];
}

const stamp = (versionHash: string, cursors: string[], line: number) =>
  ({ format: 1, versionHash, cursors, file: "tests/chaos/chaos-workflows.ts", line }) as const;

/** The child: a short sleep and an activity. */
export const childFlow = workflow.stamped(stamp("chaoschild000001", ["sleep:#0", "activity:double#0"], 126))(
  "chaos.child",
  { version: 1 },
  async ({ key, value }: { key: string; value: number }) => {
    await sleep.at("sleep:#0")(200);
    return activity.at("activity:double#0")(double, key, value);
  },
);

/**
 * An order: books items (each with its compensation), sleeps, notes the time, runs a child, takes `signals`
 * signals, and either finishes or fails at the charge and compensates every booking.
 */
export const orderFlow = workflow.stamped(
  stamp(
    "chaosorder000003",
    [
      "activity:reserve#0",
      "now:#0",
      "sleep:#0",
      "now:#1",
      "child:childFlow#0",
      "signal:add#0",
      "now:#2",
      "activity:charge#0",
      "compensateAll:#0",
    ],
    140,
  ),
)("chaos.order", { version: 1 }, async (input: OrderInput): Promise<OrderResult> => {
  let reserved = 0;
  const times: number[] = [];
  for (let item = 0; item < input.items; item += 1) {
    reserved += await activity.at("activity:reserve#0")(reserve, input.key, item, {
      compensate: [release, input.key, item],
    });
    times.push(now.at("now:#0")().getTime());
  }
  await sleep.at("sleep:#0")(input.sleepMs);
  const wokeAt = now.at("now:#1")().getTime();
  times.push(wokeAt);
  const doubled = await child.at("child:childFlow#0")(childFlow, { key: input.key, value: input.childValue });
  let sum = 0;
  const seen: string[] = [];
  for (let i = 0; i < input.signals; i += 1) {
    const got = await signal.at("signal:add#0")<ChaosSignal>("add");
    seen.push(`${got.sender}:${got.seq}`);
    sum += got.value;
    times.push(now.at("now:#2")().getTime());
  }
  if (input.fail) {
    try {
      await activity.at("activity:charge#0")(charge, input.key);
    } catch {
      await compensateAll.at("compensateAll:#0")();
      return { status: "rolled back", reserved, doubled, sum, seen, wokeAt, times };
    }
  }
  return { status: "ok", reserved, doubled, sum, seen, wokeAt, times };
});

/** State of a {@link tallyFlow} chain, carried from run to run. */
export interface TallyState {
  readonly key: string;
  readonly seen: readonly string[];
  readonly total: number;
  readonly every: number;
  readonly round: number;
}

/**
 * An entity loop: per run, an activity, a short sleep and `every` signals, then continue as new;
 * finishes once it has taken `total` signals. Senders address the chain's first run id.
 */
export const tallyFlow = workflow.stamped(
  stamp("chaostally000001", ["activity:tallyRound#0", "sleep:#0", "signal:add#0", "continueAsNew:#0"], 193),
)("chaos.tally", { version: 1 }, async (state: TallyState) => {
  await activity.at("activity:tallyRound#0")(tallyRound, state.key, state.round);
  await sleep.at("sleep:#0")(100);
  const seen = [...state.seen];
  for (let i = 0; i < state.every && seen.length < state.total; i += 1) {
    const got = await signal.at("signal:add#0")<ChaosSignal>("add");
    seen.push(`${got.sender}:${got.seq}`);
  }
  if (seen.length >= state.total) return { seen, rounds: state.round + 1 };
  return continueAsNew.at("continueAsNew:#0")({ ...state, seen, round: state.round + 1 });
});

/** Every workflow and activity an engine of the suite registers. */
export const chaosWorkflows = [orderFlow, childFlow, tallyFlow];
export const chaosActivities = [reserve, release, charge, double, tallyRound];

/** Closes the pool the activities use. */
export async function closeChaosPool(): Promise<void> {
  await pool.end();
}
