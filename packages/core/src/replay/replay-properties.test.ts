import { AsyncLocalStorage } from "node:async_hooks";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command, HistoryEvent, HistoryEventBody, ResolutionEvent } from "../model/index.ts";
import {
  activity,
  cancellable,
  defineActivity,
  isTimeout,
  nonCancellable,
  now,
  random,
  sideEffect,
  signal,
  sleep,
  uuid4,
  workflow,
} from "../workflow/index.ts";
import { createExecution } from "./create-execution.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

// --- random workflow programs -------------------------------------------------------------

type Leaf =
  | { readonly t: "act"; readonly name: "a" | "b" | "c" }
  | { readonly t: "sleep"; readonly ms: number }
  | { readonly t: "signal"; readonly name: "s0" | "s1"; readonly timeout: number | null }
  | { readonly t: "value"; readonly which: "now" | "uuid4" | "random" | "side" };
type Composite = {
  readonly t: "all" | "race" | "settled" | "seq" | "shield" | "scope" | "raceCancel";
  readonly kids: readonly Node[];
  /** For "scope": the cancellable scope's timeout. */
  readonly timeout: number | null;
};
type Node = Leaf | Composite;

/** Async context for cancellation scopes, shared by every execution of these properties. */
const effectScopes = new AsyncLocalStorage<never>();

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.record({
    t: fc.constant("act" as const),
    name: fc.constantFrom("a" as const, "b" as const, "c" as const),
  }),
  fc.record({ t: fc.constant("sleep" as const), ms: fc.nat(5_000) }),
  fc.record({
    t: fc.constant("signal" as const),
    name: fc.constantFrom("s0" as const, "s1" as const),
    timeout: fc.option(fc.nat(1_000)),
  }),
  fc.record({
    t: fc.constant("value" as const),
    which: fc.constantFrom("now" as const, "uuid4" as const, "random" as const, "side" as const),
  }),
);

const composite = (kid: fc.Arbitrary<Node>): fc.Arbitrary<Node> =>
  fc.record({
    t: fc.constantFrom(
      "all" as const,
      "race" as const,
      "settled" as const,
      "seq" as const,
      "shield" as const,
      "scope" as const,
      "raceCancel" as const,
    ),
    kids: fc.array(kid, { minLength: 1, maxLength: 4 }),
    timeout: fc.option(fc.nat(3_000)) as fc.Arbitrary<number | null>,
  });

const program: fc.Arbitrary<Node> = composite(
  fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof({ depthSize: "medium", maxDepth: 3 }, leaf, composite(tie("node"))),
  })).node,
);

const defs = {
  a: defineActivity("act.a", async (label: string) => label),
  b: defineActivity("act.b", async (label: string) => label),
  c: defineActivity("act.c", async (label: string) => label),
};

async function run(node: Node): Promise<unknown> {
  switch (node.t) {
    case "act":
      return activity.at(`activity:${node.name}#0`)(defs[node.name], node.name);
    case "sleep":
      await sleep.at("sleep:#0")(node.ms);
      return "slept";
    case "signal": {
      const got =
        node.timeout === null
          ? await signal.at(`signal:${node.name}#0`)<string>(node.name)
          : await signal.at(`signal:${node.name}#1`)<string>(node.name, { timeout: node.timeout });
      return isTimeout(got) ? "timeout" : got;
    }
    case "value":
      // Values are recorded but not returned: a fresh live run would draw new ones.
      if (node.which === "now") now.at("now:#0")();
      else if (node.which === "uuid4") uuid4.at("uuid4:#0")();
      else if (node.which === "random") random.at("random:#0")();
      else await sideEffect.at("sideEffect:#0")(async () => Math.random());
      return "v";
    case "all":
      return Promise.all(node.kids.map(run));
    case "race":
      return Promise.race(node.kids.map(run));
    case "settled":
      return (await Promise.allSettled(node.kids.map(run))).map((r) =>
        r.status === "fulfilled" ? r.value : `rejected:${(r.reason as Error).name}`,
      );
    case "seq": {
      const out: unknown[] = [];
      for (const kid of node.kids) out.push(await run(kid));
      return out;
    }
    case "shield":
      return nonCancellable(() => run({ ...node, t: "seq" }));
    case "scope":
      return cancellable.at("cancellable:#0")(
        () => run({ ...node, t: "all" }),
        node.timeout === null ? undefined : { timeout: node.timeout },
      );
    case "raceCancel": {
      // Each branch in a scope of its own; the losers are cancelled once one settles.
      const branches = node.kids.map((kid) => cancellable.at("cancellable:#1")(() => run(kid)));
      try {
        return await Promise.race(branches);
      } finally {
        for (const branch of branches) branch.cancel("lost the race");
      }
    }
  }
}

const interpreter = workflow.stamped(testStamp(["interpreter"]))(
  "interpreter",
  { version: 1 },
  async (root: Node) => {
    try {
      return { ok: await run(root) };
    } catch (e) {
      return { error: (e as Error).name };
    }
  },
);

// --- a random engine ----------------------------------------------------------------------

/** Cycles through fast-check's choices; every decision of the simulated engine comes from it. */
class Choices {
  private index = 0;
  private readonly values: readonly number[];
  constructor(values: readonly number[]) {
    this.values = values;
  }
  next(bound: number): number {
    const value = this.values[this.index % this.values.length] as number;
    this.index += 1;
    return value % bound;
  }
}

/** Runs `root` live, resolving open work in an order and batching chosen by `choices`. */
async function runLive(root: Node, choices: Choices, runId?: string): Promise<EngineSimulator> {
  const sim = await EngineSimulator.start(
    interpreter,
    root,
    runId === undefined ? { effectScopes } : { runId, effectScopes },
  );
  let signals = 0;
  let cancelled = false;
  for (let stepNo = 0; stepNo < 400 && sim.outcome === undefined; stepNo += 1) {
    const candidates: ResolutionEvent[] = [];
    for (const identity of sim.open.activities.keys()) {
      const fail = choices.next(8) === 0;
      candidates.push(
        fail
          ? resolve.failed(identity, new Error(`failed ${identity}`), 3)
          : resolve.completed(identity, `${identity}!`),
      );
    }
    for (const identity of sim.open.timers) candidates.push(resolve.fired(identity));
    for (const name of ["s0", "s1"]) candidates.push(resolve.signal(name, `${name}#${signals}`));
    if (!cancelled && choices.next(40) === 0) candidates.push(resolve.cancel("chosen"));
    const batch: ResolutionEvent[] = [];
    const size = 1 + choices.next(3);
    while (batch.length < size && candidates.length > 0) {
      const [picked] = candidates.splice(choices.next(candidates.length), 1) as [ResolutionEvent];
      if (picked.kind === "signal_received") signals += 1;
      if (picked.kind === "cancel_requested") cancelled = true;
      batch.push(picked);
    }
    await sim.step(batch);
  }
  return sim;
}

/**
 * History bodies without seq/at, and without the values a new live run would draw afresh.
 * Deliveries that a step journals after the code already finished depend on how the step was
 * batched, so the trailing deliveries and the terminal event are left out (outcomes are
 * compared on their own).
 */
function shape(events: readonly (HistoryEventBody | HistoryEvent)[]): unknown[] {
  const kept = [...events];
  if (["run_completed", "run_failed", "run_cancelled"].includes(kept.at(-1)?.kind ?? "")) {
    kept.pop();
    while (kept.length > 0 && isDelivery(kept.at(-1) as HistoryEvent)) kept.pop();
  }
  return kept.map((event) => {
    const { seq: _seq, at: _at, ...body } = event as HistoryEvent;
    return withoutStacks(body.kind === "value_recorded" ? { ...body, value: "(value)" } : body);
  });
}

/** Error stacks name the test's own call path, which differs between otherwise equal runs. */
function withoutStacks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStacks);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "stack")
      .map(([key, v]) => [key, withoutStacks(v)]),
  );
}

function partition<T>(items: readonly T[], choices: Choices): T[][] {
  const batches: T[][] = [];
  let i = 0;
  while (i < items.length) {
    const size = 1 + choices.next(4);
    batches.push(items.slice(i, i + size));
    i += size;
  }
  return batches;
}

const settings = { numRuns: 150 };

describe("replay properties (random workflows, completion orders and step batchings)", () => {
  it("a live run's history replays from scratch with the same commands and result, and no drift", async () => {
    await fc.assert(
      fc.asyncProperty(program, fc.array(fc.nat(), { minLength: 50, maxLength: 50 }), async (root, picks) => {
        const sim = await runLive(root, new Choices(picks));
        expect(sim.outcome).toBeDefined();
        // Cold replay of the whole history: must reach the same end without drift.
        const replayed = await sim.replay();
        expect(replayed.finished).toBe(true);
        expect(replayed.lastSeq).toBe(sim.history.length);
        // Cold replay of every prefix that ends at a step boundary, continued live with the
        // rest of the deliveries, journals exactly what the sticky execution journaled.
        let boundary = 1;
        const boundaries: number[] = [];
        for (const step of sim.steps) {
          boundary += step.events.length;
          boundaries.push(boundary);
        }
        const cut = boundaries[(picks[0] as number) % boundaries.length] as number;
        const prefix = sim.history.slice(0, cut);
        const resumed = await createExecution(
          interpreter,
          { runId: sim.runId, workflowId: "w", history: prefix },
          { effectScopes },
        );
        const restDeliveries = sim.history
          .slice(prefix.length)
          .filter((e) => isDelivery(e)) as unknown as ResolutionEvent[];
        const produced: HistoryEventBody[] = [];
        if (!resumed.finished) produced.push(...(await resumed.step({ now: 0, deliveries: [] })).events);
        for (const delivery of restDeliveries) {
          if (resumed.finished) break;
          produced.push(...(await resumed.step({ now: 0, deliveries: [stripped(delivery)] })).events);
        }
        if (!resumed.finished) produced.push(...(await resumed.step({ now: 0, deliveries: [] })).events);
        expect(shape([...prefix, ...produced])).toEqual(shape(sim.history));
        expect(resumed.finished).toBe(true);
      }),
      settings,
    );
  });

  it("feeding the same deliveries in any step batching gives the same history, commands and result", async () => {
    await fc.assert(
      fc.asyncProperty(
        program,
        fc.array(fc.nat(), { minLength: 50, maxLength: 50 }),
        fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
        async (root, picks, batching) => {
          const sim = await runLive(root, new Choices(picks));
          const deliveries = sim.deliveries();
          const again = await EngineSimulator.start(interpreter, root, { runId: sim.runId, effectScopes });
          for (const batch of partition(deliveries, new Choices(batching))) {
            if (again.outcome !== undefined) break;
            await again.step(batch);
          }
          expect(shape(again.history)).toEqual(shape(sim.history));
          const commands = (s: EngineSimulator): unknown[] =>
            shape(s.steps.flatMap((step) => step.commands.filter(isEffect) as HistoryEventBody[]));
          expect(commands(again)).toEqual(commands(sim));
          expect(again.outcome).toEqual(sim.outcome);
        },
      ),
      settings,
    );
  });
});

describe("replay properties across runs", () => {
  it("runs stepped concurrently in one process journal exactly what each journals alone", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(program, fc.array(fc.nat(), { minLength: 30, maxLength: 30 })), {
          minLength: 2,
          maxLength: 4,
        }),
        async (runs) => {
          const alone: EngineSimulator[] = [];
          for (const [i, [root, picks]] of runs.entries())
            alone.push(await runLive(root, new Choices(picks), `run-${i}`));
          const together = await Promise.all(
            runs.map(([root, picks], i) => runLive(root, new Choices(picks), `run-${i}`)),
          );
          for (const [i, sim] of together.entries()) {
            expect(shape(sim.history)).toEqual(shape((alone[i] as EngineSimulator).history));
            expect(withoutStacks(sim.outcome)).toEqual(withoutStacks(alone[i]?.outcome));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

function isEffect(command: Command): boolean {
  return "identity" in command;
}

function isDelivery(event: HistoryEvent): boolean {
  return [
    "activity_completed",
    "activity_failed",
    "timer_fired",
    "signal_received",
    "cancel_requested",
  ].includes(event.kind);
}

function stripped(event: ResolutionEvent): ResolutionEvent {
  const { seq: _seq, at: _at, ...body } = event as ResolutionEvent & { seq?: number; at?: number };
  return body as ResolutionEvent;
}
