import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { log, now, random, sideEffect, sleep, today, uuid4 } from "../workflow/index.ts";
import type { LogSink } from "./execution-contract.ts";
import { EngineSimulator, resolve } from "./test-support/engine-simulator.ts";
import { stamped } from "./test-support/primitive-fixtures.ts";

// Workflow primitives in the engine simulator: deterministic values, sideEffect, log. Timers and
// signals: primitive-timers-signals.test.ts; failures, cancellation, unstamped code:
// primitive-failures.test.ts.

describe("deterministic values", () => {
  const values = stamped("values", { version: 1 }, async () => {
    const a = now.at("now:#0")();
    const d = today.at("today:#0")();
    const id = uuid4.at("uuid4:#0")();
    const r = random.at("random:#0")();
    const s = await sideEffect.at("sideEffect:#0")(() => ({
      at: Math.random(),
      when: new Date(Math.floor(Math.random() * 1e12)),
    }));
    const t = await sideEffect.at("sideEffect:#1")(async () => Math.random().toString(36));
    await sleep.at("sleep:#0")(10);
    return { a, d, id, r, s, t, again: now.at("now:#0")() };
  });

  it("records now/today/uuid4/random/sideEffect once and replays the same values", async () => {
    const sim = await EngineSimulator.start(values, undefined);
    expect(sim.history.map((e) => e.kind)).toEqual([
      "run_started",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "timer_started",
    ]);
    const startClock = sim.history[0]?.at as number;
    expect(sim.history[1]).toMatchObject({ identity: "now:#0@0", value: startClock });
    expect(sim.history[2]).toMatchObject({
      identity: "today:#0@0",
      value: new Date(startClock).toISOString().slice(0, 10),
    });
    expect(String((sim.history[3] as { value: unknown }).value)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const done = await sim.step([resolve.fired("sleep:#0@0")]);
    expect(done.events.map((e) => e.kind)).toEqual(["timer_fired", "value_recorded", "run_completed"]);
    const live = done.outcome?.kind === "complete_run" ? done.outcome.result : undefined;
    expect(live).toMatchObject({ a: { $t: "date" }, again: { $t: "date" } });

    // Replaying the same history in a fresh execution gives the same result, byte for byte.
    const again = new EngineSimulator(values, "run-1");
    again.history.push(...sim.history.slice(0, 8));
    again.execution = await again.replay(values);
    const replayed = await again.execution.step({
      now: sim.history.at(-1)?.at as number,
      deliveries: [resolve.fired("sleep:#0@0")],
    });
    expect(replayed.outcome).toEqual(done.outcome);
    expect(replayed.events).toEqual(done.events);
  });

  it("records a sideEffect that throws and rethrows the same error on replay", async () => {
    const flaky = stamped("flaky", { version: 1 }, async () => {
      try {
        await sideEffect.at("sideEffect:#0")(() => {
          throw new RangeError(`boom ${Math.random()}`);
        });
        return "no error";
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    const sim = await EngineSimulator.start(flaky, undefined);
    const outcome = sim.outcome;
    expect(outcome?.kind).toBe("complete_run");
    expect(String(outcome?.kind === "complete_run" ? outcome.result : "")).toMatch(/^RangeError: boom 0\./);
    expect(sim.history[1]).toMatchObject({
      kind: "value_recorded",
      value: { error: { name: "RangeError" } },
    });
    const replay = await sim.replay();
    expect(replay.finished).toBe(true);
  });
});

describe("sideEffect misuse", () => {
  it("an effect called inside a sideEffect function is refused (and recorded as the sideEffect's error)", async () => {
    const nested = stamped("nested", { version: 1 }, async () => {
      try {
        await sideEffect.at("sideEffect:#0")(() => now.at("now:#0")().getTime());
        return "accepted";
      } catch (e) {
        return isContinuumError(e, ErrorCode.EffectOutsideWorkflow) ? "refused" : String(e);
      }
    });
    const sim = await EngineSimulator.start(nested, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: "refused" });
    expect(sim.history.map((e) => e.kind)).toEqual(["run_started", "value_recorded", "run_completed"]);
    expect((await sim.replay()).finished).toBe(true);
  });
});

describe("log", () => {
  it("reaches the sink while live and never while replaying", async () => {
    const wf = stamped("logging", { version: 1 }, async () => {
      log.at("log:#0")("starting", { step: 1 });
      await sleep.at("sleep:#0")(5);
      log.at("log:#1")("warn", "woke up");
      await sleep.at("sleep:#1")(5);
      log.at("log:#2")("error", "done", { n: 3 });
      return "ok";
    });
    const entries: Parameters<LogSink>[0][] = [];
    const sim = await EngineSimulator.start(wf, undefined, { logSink: (entry) => entries.push(entry) });
    await sim.step([resolve.fired("sleep:#0@0")]);
    expect(entries).toEqual([
      { runId: "run-1", level: "info", message: "starting", data: { step: 1 } },
      { runId: "run-1", level: "warn", message: "woke up" },
    ]);

    const replayed: Parameters<LogSink>[0][] = [];
    const execution = await sim.replay(wf, { logSink: (entry) => replayed.push(entry) });
    expect(replayed).toEqual([]);
    await execution.step({ now: 1, deliveries: [resolve.fired("sleep:#1@0")] });
    expect(replayed).toEqual([{ runId: "run-1", level: "error", message: "done", data: { n: 3 } }]);
  });
});
