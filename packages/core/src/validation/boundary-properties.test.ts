import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "../client/create-client.ts";
import { ContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { RunStatus, isTerminal } from "../model/run-status.ts";
import { createEngine, type Engine } from "../worker/create-engine.ts";
import { decode } from "../codec/index.ts";
import { Limits } from "./limits.ts";
import {
  bigOutputFlow,
  holdFlow,
  leafFlow,
  probeFlow,
  sizedResult,
  flakyOnce,
  type Probe,
} from "./test-support/boundary-workflows.ts";
import {
  anyAttributes,
  anyData,
  anyNumber,
  anyString,
  anyValue,
  plain,
  preview,
  sometimes,
} from "./test-support/boundary-arbitraries.ts";
import {
  backends,
  expectContinuumRefusal,
  firstAttemptDoneIn,
  snapshot,
  storedSizes,
  type Backend,
} from "./test-support/boundary-backends.ts";

// Property: whatever a caller throws at a public boundary of core (client, engine options,
// workflow API), the answer is success or a ContinuumError, never a driver error; and a
// refusal leaves every table of the continuum schema exactly as it was. Run on the real
// PostgreSQL server and on PGlite, the two databases the SQL journal runs on.

type Call = { readonly label: string; readonly run: () => Promise<unknown> };

describe.each(backends)("public boundary on $name", ({ open }) => {
  let backend: Backend;
  let client: Client;
  let runningRunId: string;
  let finishedRunId: string;

  beforeAll(async () => {
    backend = await open();
    client = createClient({ journal: backend.journal, pollIntervalMs: 20 });
    const engine = createEngine({ journal: backend.journal, workflows: [holdFlow], pollIntervalMs: 20 });
    engine.start();
    try {
      const finished = await client.start(holdFlow, { label: "done" }, { id: "finished" });
      await client.signal(finished.runId, "go", "now");
      await finished.result();
      finishedRunId = finished.runId;
      const running = await client.start(holdFlow, { label: "waiting" }, { id: "waiting" });
      runningRunId = running.runId;
      while ((await backend.journal.getRun(runningRunId))!.lastSeq < 2) await pause(10);
    } finally {
      await engine.stop({ graceful: true });
    }
  });

  afterAll(async () => {
    await backend?.close();
  });

  it("answers arbitrary client and option calls with success or a ContinuumError, changing nothing on refusal", async () => {
    const runId = fc.oneof(
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          () => runningRunId,
          () => finishedRunId,
        ),
      },
      { weight: 1, arbitrary: anyString.map((s) => () => s) },
    );
    const goodMs = fc.integer({ min: 1, max: 100_000 });
    const goodAttributes = fc.dictionary(plain, fc.oneof(plain, fc.integer()), { maxKeys: 2 });
    const call: fc.Arbitrary<Call> = fc.oneof(
      fc
        .record(
          {
            id: sometimes(plain),
            attributes: sometimes(goodAttributes, anyAttributes),
            onConflict: sometimes(fc.constant("return")),
          },
          { requiredKeys: [] },
        )
        .map((options) => ({
          label: `start ${preview(options)}`,
          run: () => client.start(holdFlow, { label: "p" }, options as object),
        })),
      fc
        .tuple(
          runId,
          sometimes(plain),
          anyData,
          fc.record({ deliveryId: sometimes(plain) }, { requiredKeys: [] }),
        )
        .map(([target, name, payload, options]) => ({
          label: `signal ${preview([name, options])}`,
          run: () => client.signal(target(), name as string, payload, options as object),
        })),
      fc.tuple(anyString, fc.option(sometimes(plain), { nil: undefined })).map(([target, reason]) => ({
        label: "cancel",
        run: () => client.cancel(target, reason as string),
      })),
      fc
        .tuple(
          fc.oneof(
            fc.constant(() => finishedRunId),
            anyString.map((s) => () => s),
          ),
          fc.record({ timeoutMs: sometimes(goodMs, anyNumber) }, { requiredKeys: [] }),
        )
        .map(([target, options]) => ({
          label: "result",
          run: () => client.result(target(), options as { timeoutMs?: number }),
        })),
      fc
        .tuple(
          fc.constantFrom("describe", "history", "describeWorkflow"),
          fc.oneof(
            runId.map((f) => f()),
            anyValue,
          ),
        )
        .map(([method, id]) => ({
          label: method,
          run: () => (client[method] as (id: unknown) => Promise<unknown>)(id),
        })),
      fc
        .record(
          {
            limit: sometimes(fc.integer({ min: 1, max: 100 }), anyNumber),
            after: anyValue,
            namespace: sometimes(fc.constant("default")),
            workflowName: sometimes(fc.constant(holdFlow.name)),
            parentRunId: anyString,
            status: sometimes(fc.constantFrom(...Object.values(RunStatus))),
            attributes: sometimes(goodAttributes, anyAttributes),
          },
          { requiredKeys: [] },
        )
        .map((filter) => ({ label: `list ${preview(filter)}`, run: () => client.list(filter as object) })),
      fc
        .record(
          {
            namespace: sometimes(plain),
            pollIntervalMs: sometimes(goodMs, anyNumber),
            maxPayloadBytes: sometimes(goodMs, anyNumber),
          },
          { requiredKeys: [] },
        )
        .map((o) => ({
          label: `createClient ${preview(o)}`,
          run: async () => createClient({ journal: backend.journal, ...(o as object) }),
        })),
      fc
        .record(
          {
            namespace: sometimes(plain),
            owner: sometimes(plain),
            leaseMs: sometimes(goodMs, anyNumber),
            pollIntervalMs: sometimes(goodMs, anyNumber),
            cacheSize: sometimes(goodMs, anyNumber),
            concurrency: fc.record(
              { workflows: sometimes(goodMs, anyNumber), activities: sometimes(goodMs, anyNumber) },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        )
        .map((o) => ({
          label: `createEngine ${preview(o)}`,
          run: async () =>
            createEngine({ journal: backend.journal, workflows: [holdFlow], ...(o as object) }),
        })),
    );
    let refused = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(call, async ({ label, run }) => {
        const before = await snapshot(backend.db);
        const error = await run().then(
          () => undefined,
          (e: unknown) => e ?? new Error("rejected with nothing"),
        );
        if (error === undefined) {
          accepted++;
          return;
        }
        refused++;
        expectContinuumRefusal(error, label);
        expect(await snapshot(backend.db), `${label} changed a table`).toEqual(before);
      }),
      { numRuns: 250 },
    );
    // The generators must reach both sides, or the property says little.
    expect(refused).toBeGreaterThan(50);
    expect(accepted).toBeGreaterThan(10);
  });

  it("refuses the issue's examples with the documented codes", async () => {
    const refusals: [() => Promise<unknown>, string][] = [
      [() => client.start(holdFlow, { label: "x" }, { id: "a\u0000b" }), ErrorCode.InvalidIdentifier],
      [() => client.start(holdFlow, { label: "x" }, { id: "x".repeat(10_000) }), ErrorCode.InvalidIdentifier],
      [() => client.start(holdFlow, { label: "x" }, { id: "" }), ErrorCode.InvalidIdentifier],
      [
        () => client.start(holdFlow, { label: "x" }, { attributes: { k: "a\u0000" } }),
        ErrorCode.InvalidAttributes,
      ],
      [() => client.signal(runningRunId, "", 1), ErrorCode.InvalidIdentifier],
      [() => client.signal(runningRunId, "g\u0000o", 1), ErrorCode.InvalidIdentifier],
      [() => client.signal(runningRunId, "s".repeat(100_000), 1), ErrorCode.InvalidIdentifier],
      [() => client.signal(runningRunId, "go", 1, { deliveryId: "d\u0000" }), ErrorCode.InvalidIdentifier],
      [() => client.signal("r\u0000", "go", 1), ErrorCode.InvalidIdentifier],
      [() => client.result(runningRunId, { timeoutMs: Number.NaN }), ErrorCode.InvalidNumber],
      [() => client.result(runningRunId, { timeoutMs: -1 }), ErrorCode.InvalidNumber],
      [() => client.result(runningRunId, { timeoutMs: Infinity }), ErrorCode.InvalidNumber],
      [() => client.list({ after: "garbage" }), ErrorCode.InvalidCursor],
      [() => client.list({ limit: -1 }), ErrorCode.InvalidNumber],
      [() => client.list({ limit: 1e9 }), ErrorCode.InvalidNumber],
    ];
    for (const [call, code] of refusals) {
      const before = await snapshot(backend.db);
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expectContinuumRefusal(error, code);
      expect((error as ContinuumError<unknown>).code).toBe(code);
      expect(await snapshot(backend.db)).toEqual(before);
    }
    // The widest ids the limits allow fit PostgreSQL's index rows (no 54000), uncompressible ones too.
    const wideText = (bytes: number, seed: number): string =>
      Array.from({ length: bytes / 4 }, (_, i) =>
        String.fromCodePoint(0x10000 + ((i * 7919 + seed) % 0xf0000)),
      ).join("");
    const wide = createClient({ journal: backend.journal, namespace: wideText(Limits.namespaceBytes, 1) });
    const widest = await wide.start(holdFlow, { label: "w" }, { id: wideText(Limits.idBytes, 2) });
    expect(widest.created).toBe(true);
    expect((await wide.describeWorkflow(widest.workflowId))?.runId).toBe(widest.runId);
    expect(
      await wide.signal(widest.runId, "n".repeat(Limits.nameLength), 1, {
        deliveryId: wideText(Limits.idBytes, 3),
      }),
    ).toEqual({ accepted: true });
    // A real cursor still pages.
    const first = await client.list({ limit: 1 });
    expect(first.next).toBeDefined();
    const second = await client.list({ limit: 1, after: first.next! });
    expect(second.runs[0]?.runId).not.toBe(first.runs[0]?.runId);
  });

  describe("workflow API and result sizes, with an engine running", () => {
    let engine: Engine;
    const engineErrors: unknown[] = [];

    beforeAll(() => {
      engine = createEngine({
        journal: backend.journal,
        workflows: [probeFlow, leafFlow, bigOutputFlow],
        activities: [sizedResult, flakyOnce],
        pollIntervalMs: 20,
      });
      engine.events.on("engine.error", (event) => engineErrors.push(event));
      engine.start();
    });

    afterAll(async () => {
      await engine?.stop({ graceful: false });
    });

    const firstAttemptDone = (runId: string): Promise<boolean> => firstAttemptDoneIn(backend.db, runId);

    /** Starts a probe and waits for its first step: the run ended, or it waits on something it accepted. */
    async function probe(
      input: Probe,
      untilEnd = false,
    ): Promise<{ runId: string; status: string; result?: unknown; error?: unknown }> {
      const { runId } = await client.start(probeFlow, input);
      for (;;) {
        const run = (await backend.journal.getRun(runId))!;
        if (isTerminal(run.status))
          return {
            runId,
            status: run.status,
            result: run.result === undefined ? undefined : decode(run.result),
            error: run.error,
          };
        if (run.lastSeq > 1 && !untilEnd && (input.kind !== "retry" || (await firstAttemptDone(runId))))
          return { runId, status: run.status };
        // A retry policy is applied when the first attempt's failure is reported: wait for that.
        if (engineErrors.length > 0) return { runId, status: run.status };
        await pause(10);
      }
    }

    it("answers arbitrary effect arguments with acceptance or a ContinuumError the workflow can catch", async () => {
      const probes: fc.Arbitrary<Probe> = fc.oneof(
        fc.record({ kind: fc.constant("signal" as const), name: anyData, timeout: anyNumber }),
        fc.record({ kind: fc.constant("sleep" as const), ms: anyNumber }),
        fc.record({ kind: fc.constant("child" as const), id: anyData }),
        fc.record({
          kind: fc.constant("activity" as const),
          options: fc.record(
            { timeoutMs: anyNumber, heartbeatTimeoutMs: anyNumber, idempotencyKey: anyData },
            { requiredKeys: [] },
          ),
        }),
        fc.record({
          kind: fc.constant("retry" as const),
          retry: fc.record(
            {
              maxAttempts: sometimes(fc.integer({ min: 1, max: 5 }), anyNumber),
              initialIntervalMs: fc.oneof(fc.constant(0), anyNumber),
              backoffCoefficient: sometimes(fc.constantFrom(1, 2, 1e300), anyNumber),
              maxIntervalMs: anyNumber,
            },
            { requiredKeys: [] },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(probes, async (input) => {
          const outcome = await probe(input);
          // The run never fails: a refused argument is an error the workflow caught.
          expect(outcome.status, JSON.stringify(outcome.error)).not.toBe(RunStatus.failed);
          if (outcome.status === RunStatus.completed) {
            const result = outcome.result as { ok?: true; code?: string };
            if (result.ok !== true) expect(result.code).toMatch(/^CTM_[A-Z_]+$/);
          }
        }),
        { numRuns: 60 },
      );
      // Nothing the workflows passed broke the engine's own statements (a driver error there
      // would loop: reported, backed off, retried).
      expect(engineErrors).toEqual([]);
    });

    it("fails an activity attempt whose result is over the limit, once, and stores no such result", async () => {
      const outcome = await probe({ kind: "activityResult", bytes: Limits.workflowPayloadBytes + 1 }, true);
      expect(outcome.result).toEqual({ code: ErrorCode.ActivityFailure, cause: ErrorCode.PayloadTooLarge });
      const stored = await storedSizes(backend.db, outcome.runId);
      expect(stored.largestTaskResult).toBeLessThan(Limits.workflowPayloadBytes);
      expect(stored.largestEvent).toBeLessThan(Limits.workflowPayloadBytes);
      expect(stored.attempts).toBe(1);
    });

    it("fails a run whose result is over the limit with PayloadTooLargeError", async () => {
      const run = await client.start(bigOutputFlow, Limits.workflowPayloadBytes + 1);
      const error = await run.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ContinuumError);
      expect((error as ContinuumError<unknown>).code).toBe(ErrorCode.WorkflowFailed);
      expect(((error as Error).cause as ContinuumError<unknown>).code).toBe(ErrorCode.PayloadTooLarge);
      // Just under the limit is fine.
      const fits = await client.start(bigOutputFlow, 1_000);
      expect(await fits.result()).toBe("y".repeat(1_000));
    });
  });
});

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
