import type { OrderInput, OrderResult } from "./chaos-workflows.ts";

/** One signal the driver sends: to which run, from which sender, its place in that sender's sequence. */
export interface PlannedSignal {
  readonly sender: string;
  readonly seq: number;
  readonly value: number;
  /** Set for senders that use delivery ids (and may send twice on purpose). */
  readonly deliveryId?: string;
  /** Send it a second time (same delivery id), this long after the first. */
  readonly duplicateAfterMs?: number;
}

/** An order run of the workload, with what it must return. */
export interface PlannedOrder {
  readonly id: string;
  readonly input: OrderInput;
  /** When, from the start of the fault period, the driver starts it. */
  readonly startAtMs: number;
  /** Per sender, in sending order. */
  readonly senders: readonly (readonly PlannedSignal[])[];
  /** All of the result but the times the workflow read, which the checker holds against the journal. */
  readonly expected: Omit<OrderResult, "wokeAt" | "times">;
  /** Effects (idempotency keys) the run must leave exactly once. */
  readonly effectKeys: readonly string[];
}

/** A continue-as-new chain of the workload. */
export interface PlannedChain {
  readonly id: string;
  readonly key: string;
  readonly total: number;
  readonly every: number;
  readonly senders: readonly (readonly PlannedSignal[])[];
  readonly rounds: number;
  readonly effectKeys: readonly string[];
}

/** Everything the driver will do to the journal, decided up front from the seed. */
export interface Workload {
  readonly orders: readonly PlannedOrder[];
  readonly chains: readonly PlannedChain[];
}

const signalsPerSender = 2;
const chainSignalsPerSender = 4;
const chainEvery = 4;

/**
 * Builds the workload: `runs` orders started across the first 70% of the fault period, each
 * with 1-3 bookings, a sleep of 0.3-1.5 s, a child, two signals from a sender without delivery
 * ids and two from one with (about half of those sent twice), a third failing at the charge and
 * compensating; and `chains` tally chains fed by three senders, two with delivery ids (duplicates again) and
 * one without.
 */
export function planWorkload(random: () => number, runs: number, chains: number, periodMs: number): Workload {
  const int = (below: number): number => Math.floor(random() * below);
  const orders: PlannedOrder[] = [];
  for (let i = 0; i < runs; i += 1) {
    const key = `o${i}`;
    const items = 1 + int(3);
    const fail = i % 3 === 2;
    const input: OrderInput = {
      key,
      items,
      sleepMs: 300 + int(1_200),
      childValue: int(1_000),
      signals: 2 * signalsPerSender,
      fail,
    };
    const plain = Array.from({ length: signalsPerSender }, (_, seq) => ({
      sender: "p",
      seq,
      value: int(100),
    }));
    const withIds = Array.from({ length: signalsPerSender }, (_, seq) => ({
      sender: "d",
      seq,
      value: int(100),
      deliveryId: `${key}:d${seq}`,
      ...(random() < 0.5 ? { duplicateAfterMs: int(1_500) } : {}),
    }));
    const all = [...plain, ...withIds];
    orders.push({
      id: `chaos-order-${i}`,
      input,
      startAtMs: Math.floor((periodMs * 0.7 * i) / Math.max(1, runs)),
      senders: [plain, withIds],
      expected: {
        status: fail ? "rolled back" : "ok",
        reserved: (items * (items + 1)) / 2,
        doubled: input.childValue * 2,
        sum: all.reduce((sum, s) => sum + s.value, 0),
        seen: all.map((s) => `${s.sender}:${s.seq}`).sort(),
      },
      effectKeys: [
        ...Array.from({ length: items }, (_, item) => `${key}:r${item}`),
        `${key}:c`,
        ...(fail ? Array.from({ length: items }, (_, item) => `${key}:u${item}`) : []),
      ],
    });
  }
  const chainList: PlannedChain[] = [];
  for (let c = 0; c < chains; c += 1) {
    const key = `t${c}`;
    // Two senders with delivery ids (duplicates on purpose) and one without: a signal racing a
    // handover must reach the chain once even when no delivery id would absorb a second copy.
    const senders = ["a", "b", "p"].map((sender) =>
      Array.from({ length: chainSignalsPerSender }, (_, seq) => ({
        sender,
        seq,
        value: seq,
        ...(sender === "p"
          ? {}
          : {
              deliveryId: `${key}:${sender}${seq}`,
              ...(random() < 0.5 ? { duplicateAfterMs: int(1_500) } : {}),
            }),
      })),
    );
    const total = 3 * chainSignalsPerSender;
    const rounds = Math.ceil(total / chainEvery);
    chainList.push({
      id: `chaos-chain-${c}`,
      key,
      total,
      every: chainEvery,
      senders,
      rounds,
      effectKeys: Array.from({ length: rounds }, (_, round) => `${key}:t${round}`),
    });
  }
  return { orders, chains: chainList };
}
