import { attr } from "../model/attribute-query.ts";
import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import type { Journal, StepCommit } from "../journal/journal.ts";
import type { HistoryEventBody } from "../model/index.ts";
import { encode, serializeError } from "../codec/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { RunAlreadyExistsError, RunNotFoundError } from "../errors/journal-errors.ts";
import { PayloadTooLargeError, UnserializableError } from "../errors/codec-errors.ts";
import { ResultTimeoutError, WorkflowCancelledError, WorkflowFailedError } from "../errors/engine-errors.ts";
import { workflow } from "../workflow/index.ts";
import { createClient } from "./create-client.ts";
import { defaultMaxPayloadBytes } from "./payload-limit.ts";

const stamp = {
  format: 1,
  versionHash: "hash-order-1",
  cursors: [],
  file: "test/order.workflow.ts",
  line: 1,
} as const;
const orderFlow = workflow.stamped(stamp)(
  "order",
  { version: 1 },
  async (input: { orderId: string; placedAt: Date; qty: Map<string, bigint> }) => {
    return { shipped: input.orderId };
  },
);
const otherFlow = workflow.stamped({ ...stamp, versionHash: "hash-other" })(
  "other",
  { version: 1 },
  async (_input: { orderId: string }) => 1,
);

function setup(options: { maxPayloadBytes?: number; pollIntervalMs?: number } = {}) {
  const clock = new ManualClock();
  const journal = new MemoryJournal({ clock });
  const client = createClient({ journal, ...options });
  return { clock, journal, client };
}

const input = { orderId: "o-1", placedAt: new Date("2026-03-01T10:00:00Z"), qty: new Map([["sku-1", 3n]]) };

/** Plays the engine's part by hand: claims the run and commits a terminal step. */
async function finish(
  journal: Journal,
  runId: string,
  run: StepCommit["run"],
  event: HistoryEventBody,
): Promise<void> {
  const claims = await journal.claimRuns({ owner: "fake-engine", limit: 10, leaseMs: 60_000 });
  const claim = claims.find((c) => c.run.runId === runId);
  if (claim === undefined) throw new Error("run not claimable");
  await journal.commitStep({
    lease: claim.lease,
    lastSeq: claim.run.lastSeq,
    delivered: claim.inbox.map((i) => i.id),
    events: [event],
    tasks: [],
    timers: [],
    cancelTimers: [],
    run,
  });
}

describe("client", () => {
  it("start encodes the input at the boundary; describe decodes it back exactly", async () => {
    const { client } = setup();
    const run = await client.start(orderFlow, input, { attributes: { customer: "c-9" } });
    expect(run.created).toBe(true);
    const described = await client.describe<typeof input>(run.runId);
    expect(described.input).toEqual(input);
    expect(described.input.qty.get("sku-1")).toBe(3n);
    expect(described).toMatchObject({
      workflowName: "order",
      versionHash: "hash-order-1",
      status: "running",
      namespace: "default",
      attributes: { customer: "c-9" },
    });
    const history = await client.history(run.runId);
    expect(history.map((e) => e.kind)).toEqual(["run_started"]);
  });

  it("refuses an unserializable input with the path, and stores nothing", async () => {
    const { client, journal } = setup();
    const bad = { ...input, onShip: () => undefined };
    const error = await client.start(orderFlow, bad as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnserializableError);
    expect((error as UnserializableError).data.path).toBe("input.onShip");
    expect((await journal.listRuns({})).runs).toEqual([]);
  });

  it("refuses payloads over the limit (256 KiB by default, configurable), and stores nothing", async () => {
    expect(defaultMaxPayloadBytes).toBe(256 * 1024);
    const { client, journal } = setup({ maxPayloadBytes: 1_000 });
    const error = await client
      .start(orderFlow, { ...input, orderId: "x".repeat(2_000) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).data).toMatchObject({ limit: 1_000 });
    expect((error as PayloadTooLargeError).data.size).toBeGreaterThan(2_000);
    expect((await journal.listRuns({})).runs).toEqual([]);

    const run = await client.start(orderFlow, input);
    await expect(client.signal(run.runId, "note", "y".repeat(2_000))).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(() => createClient({ journal, maxPayloadBytes: 0 })).toThrow(/maxPayloadBytes/);
  });

  it("is idempotent with an id; onConflict 'fail' and a different workflow under the same id are refused", async () => {
    const { client } = setup();
    const first = await client.start(orderFlow, input, { id: "order-o-1" });
    const again = await client.start(orderFlow, { ...input, orderId: "ignored" }, { id: "order-o-1" });
    expect(again).toMatchObject({ runId: first.runId, workflowId: "order-o-1", created: false });
    expect((await client.describe<typeof input>(first.runId)).input.orderId).toBe("o-1");
    await expect(
      client.start(orderFlow, input, { id: "order-o-1", onConflict: "fail" }),
    ).rejects.toBeInstanceOf(RunAlreadyExistsError);
    await expect(client.start(otherFlow, { orderId: "o-1" }, { id: "order-o-1" })).rejects.toBeInstanceOf(
      RunAlreadyExistsError,
    );
    expect((await client.describeWorkflow("order-o-1"))?.runId).toBe(first.runId);
  });

  it("refuses a workflow the transformer did not stamp", async () => {
    const { client } = setup();
    const raw = workflow("raw", { version: 1 }, async () => 1);
    await expect(client.start(raw, undefined)).rejects.toMatchObject({
      code: ErrorCode.WorkflowNotTransformed,
    });
  });

  it("signals are deduplicated by deliveryId and refused for unknown runs", async () => {
    const { client, journal } = setup();
    const run = await client.start(orderFlow, input);
    expect(await client.signal(run.runId, "fraud_review", "approved", { deliveryId: "d-1" })).toEqual({
      accepted: true,
    });
    expect(await client.signal(run.runId, "fraud_review", "approved", { deliveryId: "d-1" })).toEqual({
      accepted: false,
    });
    await expect(client.signal("nope", "x")).rejects.toBeInstanceOf(RunNotFoundError);
    const [claim] = await journal.claimRuns({ owner: "o", limit: 1, leaseMs: 1_000 });
    expect(claim?.inbox.map((i) => i.event)).toEqual([
      {
        kind: "signal_received",
        name: "fraud_review",
        payload: encode("approved", "payload"),
        deliveryId: "d-1",
      },
    ]);
  });

  it("result() is woken by the run_finished hint (the client never polls here)", async () => {
    // A poll interval of an hour: without the hint, result() would hang until the runner's timeout.
    const { client, journal } = setup({ pollIntervalMs: 3_600_000 });
    const run = await client.start(orderFlow, input);
    const waiting = run.result();
    await new Promise((r) => setTimeout(r, 10));
    await finish(
      journal,
      run.runId,
      { status: "completed", result: encode({ shipped: "o-1" }) },
      { kind: "run_completed", result: encode({ shipped: "o-1" }) },
    );
    expect(await waiting).toEqual({ shipped: "o-1" });
  });

  it("result() of a failed run throws WorkflowFailedError with the deserialized cause", async () => {
    const { client, journal } = setup();
    const run = await client.start(orderFlow, input);
    class OutOfStock extends Error {
      override name = "OutOfStock";
    }
    const error = serializeError(new OutOfStock("sku-1 is gone"));
    await finish(journal, run.runId, { status: "failed", error }, { kind: "run_failed", error });
    const thrown = await client.result(run.runId).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(WorkflowFailedError);
    expect((thrown as WorkflowFailedError).code).toBe(ErrorCode.WorkflowFailed);
    const cause = (thrown as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe("OutOfStock");
    expect(cause.message).toBe("sku-1 is gone");
  });

  it("cancel() asks the run to cancel; result() of a cancelled run throws WorkflowCancelledError with the reason", async () => {
    const { client, journal } = setup();
    const run = await client.start(orderFlow, input);
    await client.cancel(run.runId, "customer changed their mind");
    const [claim] = await journal.claimRuns({ owner: "o", limit: 1, leaseMs: 1_000 });
    expect(claim?.inbox.map((i) => i.event)).toEqual([
      { kind: "cancel_requested", reason: "customer changed their mind" },
    ]);
    await journal.releaseRun(claim!.lease);
    await finish(
      journal,
      run.runId,
      { status: "cancelled" },
      { kind: "run_cancelled", reason: "customer changed their mind" },
    );
    const thrown = await client.await(run.runId).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(WorkflowCancelledError);
    expect((thrown as WorkflowCancelledError).data.reason).toBe("customer changed their mind");
  });

  it("result() gives up after timeoutMs with ResultTimeoutError and leaves the run alone", async () => {
    const { client } = setup({ pollIntervalMs: 5 });
    const run = await client.start(orderFlow, input);
    const thrown = await client.result(run.runId, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ResultTimeoutError);
    expect((thrown as ResultTimeoutError).data).toMatchObject({
      runId: run.runId,
      timeoutMs: 30,
      status: "running",
    });
    expect((await client.describe(run.runId)).status).toBe("running");
    await expect(client.result("missing")).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it("list() filters by workflow, status and attributes within the client's namespace", async () => {
    const { client, journal } = setup();
    const a = await client.start(orderFlow, input, { attributes: { region: "eu" } });
    await client.start(orderFlow, { ...input, orderId: "o-2" }, { attributes: { region: "us" } });
    await client.start(otherFlow, { orderId: "o-3" });
    const elsewhere = createClient({ journal, namespace: "tenant-b" });
    await elsewhere.start(orderFlow, input);
    expect((await client.list({ workflowName: "order" })).runs).toHaveLength(2);
    const eu = await client.list({ attributes: { region: "eu" } });
    expect(eu.runs.map((r) => r.runId)).toEqual([a.runId]);
    expect(eu.runs[0]?.input).toEqual(input);
    expect((await elsewhere.list()).runs).toHaveLength(1);
    await expect(client.describe("missing")).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it("list({ where, orderBy }) queries typed attributes in the client's namespace and checks the query first", async () => {
    const { client, journal } = setup();
    const small = await client.start(orderFlow, input, { attributes: { region: "eu", total: 20 } });
    const big = await client.start(
      orderFlow,
      { ...input, orderId: "o-2" },
      { attributes: { region: "eu", total: 300 } },
    );
    await client.start(orderFlow, { ...input, orderId: "o-3" }, { attributes: { region: "us", total: 500 } });
    await createClient({ journal, namespace: "tenant-b" }).start(orderFlow, input, {
      attributes: { region: "eu", total: 900 },
    });
    const orderBy = { by: "attribute", attribute: "total", direction: "desc" } as const;
    const first = await client.list({ where: attr("region").eq("eu"), orderBy, limit: 1 });
    expect(first.runs.map((r) => r.runId)).toEqual([big.runId]);
    const second = await client.list({
      where: attr("region").eq("eu"),
      orderBy,
      limit: 1,
      after: first.next!,
    });
    expect(second.runs.map((r) => r.runId)).toEqual([small.runId]);
    expect(second.next).toBeUndefined();
    await expect(client.list({ where: attr("total").gte("lots") })).rejects.toMatchObject({
      code: "CTM_INVALID_ATTRIBUTE_QUERY",
      data: { path: "where.gte" },
    });
    await expect(client.list({ orderBy, after: "not a cursor" })).rejects.toMatchObject({
      code: "CTM_INVALID_CURSOR",
    });
  });
});
