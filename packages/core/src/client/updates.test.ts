import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import type { Journal } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { replayHistory } from "../testing/replay-history.ts";
import { createEngine } from "../worker/create-engine.ts";
import {
  activity,
  defineActivity,
  defineQuery,
  defineSignal,
  defineUpdate,
  setHandler,
  signal,
  workflow,
} from "../workflow/index.ts";
import { journalMatrix, refusal } from "./test-support/journal-matrix.ts";
import { createClient } from "./create-client.ts";

// Updates end to end (Temporal's update semantics): validated before anything is stored,
// handled by the run's code with journaled effects, the outcome returned to the caller and
// journaled, one outcome per update id. On the memory journal, embedded PGlite and PostgreSQL.

const priced: string[] = [];
const price = defineActivity("cart.price", async (sku: string) => {
  priced.push(sku);
  return sku.length;
});
const addItem = defineUpdate<{ sku: string; qty: number }, { lines: number }>("cart.add", (input) => {
  const qty = (input as { qty?: unknown } | null)?.qty;
  return typeof qty === "number" && qty > 0;
});
const refuse = defineUpdate<string, never>("cart.refuse");
const checkout = defineSignal("cart.checkout");
const lines = defineQuery<string[]>("cart.lines");

const cart = workflow.stamped({
  format: 1,
  versionHash: "update-cart-1",
  cursors: [],
  file: "packages/core/src/client/updates.test.ts",
  line: 40,
})("update.cart", { version: 1, signals: [checkout] }, async (owner: string) => {
  const items: string[] = [];
  setHandler(lines, () => items);
  setHandler(addItem, async ({ sku, qty }) => {
    const unit = await activity.at("activity:price#0")(price, sku);
    items.push(`${qty}x${sku}@${unit}`);
    return { lines: items.length };
  });
  setHandler(refuse, async (why) => {
    throw new Error(`refused: ${why}`);
  });
  await signal.at("signal:expr#0")(checkout);
  return { owner, items };
});

const { kinds: journalKinds, engines } = journalMatrix("updates");

const outcomes = async (journal: Journal, runId: string) =>
  (await journal.readHistory(runId)).filter((e) => e.kind === "value_recorded").length;

describe.each(Object.entries(journalKinds))("updates (%s journal)", (_kind, open) => {
  it("validated, handled with journaled effects, answered once per update id, replayable", async () => {
    const journal = await open();
    priced.length = 0;
    const engine = createEngine({ journal, workflows: [cart], activities: [price], pollIntervalMs: 20 });
    engines.push(engine);
    engine.start();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(cart, "ann");

    expect(await client.update(run, addItem, { sku: "abc", qty: 2 }, { updateId: "u-1" })).toEqual({
      lines: 1,
    });
    // The same update id: stored once, the first outcome again, the handler did not run again.
    expect(await client.update(run, addItem, { sku: "abc", qty: 2 }, { updateId: "u-1" })).toEqual({
      lines: 1,
    });
    expect(priced).toEqual(["abc"]);
    // Another engine takes the run over: it replays the handled update (its activity result and
    // its outcome come from history; the handler's activity does not run again) and goes on.
    await engine.stop({ graceful: true });
    const next = createEngine({ journal, workflows: [cart], activities: [price], pollIntervalMs: 20 });
    engines.push(next);
    next.start();
    expect(await client.update(run.runId, addItem, { sku: "de", qty: 1 })).toEqual({ lines: 2 });
    expect(await outcomes(journal, run.runId)).toBe(2);

    // Refused before anything is stored.
    const before = await client.history(run.runId);
    const invalid = await refusal(client.update(run, addItem, { sku: "x", qty: 0 }));
    expect(isContinuumError(invalid, ErrorCode.UpdateInputInvalid)).toBe(true);
    expect(await client.history(run.runId)).toEqual(before);

    // A handler that throws fails the update, not the run.
    const failed = await refusal(client.update(run, refuse, "out of stock", { updateId: "u-3" }));
    expect(isContinuumError(failed, ErrorCode.UpdateFailed)).toBe(true);
    expect((failed as { data: { reason: string } }).data.reason).toBe("handler-failed");
    expect(String((failed as Error).cause)).toContain("refused: out of stock");
    expect(await client.query(run, lines)).toEqual(["2xabc@3", "1xde@2"]);

    await client.signal(run, checkout);
    expect(await run.result({ timeoutMs: 10_000 })).toEqual({ owner: "ann", items: ["2xabc@3", "1xde@2"] });
    // After the run ended: a known update id still answers, a new one cannot.
    expect(await client.update(run, addItem, { sku: "abc", qty: 2 }, { updateId: "u-1" })).toEqual({
      lines: 1,
    });
    const late = await refusal(client.update(run, addItem, { sku: "zz", qty: 1 }, { updateId: "u-9" }));
    expect((late as { data: { reason: string } }).data.reason).toBe("run-ended");

    // The journaled updates replay: same effects, same outcomes, in the same places.
    await replayHistory(cart, await journal.readHistory(run.runId));
    expect(priced).toEqual(["abc", "de"]);
  });
});

const ready = defineSignal("late.ready");
const lateAdd = defineUpdate<number, number>("late.add");
const late = workflow.stamped({
  format: 1,
  versionHash: "update-late-1",
  cursors: [],
  file: "packages/core/src/client/updates.test.ts",
  line: 150,
})("update.late", { version: 1 }, async () => {
  let total = 0;
  await signal.at("signal:expr#0")(ready);
  setHandler(lateAdd, (n) => (total += n));
  await signal.at("signal:expr#1")(ready);
  return total;
});

describe("updates that arrive before their handler", () => {
  it("wait in the mailbox and are handled, oldest first, when the handler is registered", async () => {
    const journal = new MemoryJournal();
    const engine = createEngine({ journal, workflows: [late], activities: [], pollIntervalMs: 20 });
    engines.push(engine);
    engine.start();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(late, undefined);
    const first = client.update(run, lateAdd, 5, { updateId: "a" });
    const second = client.update(run, lateAdd, 7, { updateId: "b" });
    const received = async () =>
      (await journal.readHistory(run.runId)).filter((e) => e.kind === "signal_received").length;
    while ((await received()) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await client.signal(run, ready);
    expect(await Promise.all([first, second])).toEqual([5, 12]);
    await client.signal(run, ready);
    expect(await run.result({ timeoutMs: 10_000 })).toBe(12);
    await replayHistory(late, await journal.readHistory(run.runId));
  });
});

describe("update definitions", () => {
  it("refuse bad names and validators; compile-time types on both sides", () => {
    expect(() => defineUpdate("")).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidWorkflowDefinition }),
    );
    expect(() => defineUpdate("u", 3 as never)).toThrow(/validate/);
    const typeChecks = async (client: ReturnType<typeof createClient>) => {
      const result: { lines: number } = await client.update("r", addItem, { sku: "a", qty: 1 });
      // @ts-expect-error the input is { sku, qty }
      await client.update("r", addItem, { sku: "a" });
      // @ts-expect-error the result is { lines: number }
      const wrong: string = await client.update("r", addItem, { sku: "a", qty: 1 });
      // @ts-expect-error the handler must return { lines: number }
      setHandler(addItem, async () => "no");
      void [result, wrong];
    };
    expect(typeof typeChecks).toBe("function");
  });
});
