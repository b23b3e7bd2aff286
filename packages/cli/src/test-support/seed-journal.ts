import { encode, serializeError, RunNotFoundError, type Journal } from "@continuum/core";

/** The runs {@link seedJournal} made, by role. */
export interface SeededRuns {
  /** order-1: running, a timer pending, an activity retried once (its last error kept). */
  readonly waiting: string;
  /** order-2: failed with a Continuum error (code and fix line). */
  readonly failed: string;
  /** invoice-1: completed. */
  readonly completed: string;
  /** held-1: started, never claimed (ready). */
  readonly ready: string;
}

/**
 * Puts runs in every shape the CLI shows into `journal`, through the Journal port only (what
 * engines do, without workflow code): a waiting run with a timer and a retried activity, a
 * failed run, a completed run and a ready run nobody claimed.
 */
export async function seedJournal(journal: Journal): Promise<SeededRuns> {
  const start = async (workflowId: string, workflowName: string, attributes = {}) =>
    (
      await journal.startRun({
        namespace: "shop",
        workflowId,
        workflowName,
        versionHash: "v1",
        input: encode({ orderId: workflowId, placed: new Date(Date.UTC(2026, 0, 2)) }),
        attributes,
      })
    ).run.runId;
  const waiting = await start("order-1", "order", { tier: encode("gold") });
  const failed = await start("order-2", "order");
  const completed = await start("invoice-1", "invoice");
  const retry = {
    maxAttempts: 3,
    initialIntervalMs: 1000,
    backoffCoefficient: 2,
    maxIntervalMs: 60_000,
    nonRetryableErrors: [],
  };
  const claims = await journal.claimRuns({ owner: "seed", limit: 10, leaseMs: 60_000 });
  const claimOf = (runId: string) => claims.find((claim) => claim.run.runId === runId)!;
  const step = (runId: string, rest: Partial<Parameters<Journal["commitStep"]>[0]>) =>
    journal.commitStep({
      lease: claimOf(runId).lease,
      lastSeq: 1,
      delivered: [],
      events: [],
      tasks: [],
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
      ...rest,
    });
  const options = { retry, startToCloseMs: 30_000 };
  await step(waiting, {
    events: [
      {
        kind: "activity_scheduled",
        identity: "charge#0@0",
        activityName: "payments.charge",
        args: encode(["o-1", 42]),
        options,
      },
      { kind: "timer_started", identity: "sleep#0@0", delayMs: 3_600_000 },
    ],
    tasks: [{ identity: "charge#0@0", activityName: "payments.charge", args: encode(["o-1", 42]), options }],
    timers: [{ identity: "sleep#0@0", delayMs: 3_600_000 }],
  });
  const error = serializeError(new RunNotFoundError("customer-7"));
  await step(failed, { events: [{ kind: "run_failed", error }], run: { status: "failed", error } });
  await step(completed, {
    events: [{ kind: "run_completed", result: encode({ total: 10n }) }],
    run: { status: "completed", result: encode({ total: 10n }) },
  });
  const [attempt] = await journal.claimTasks({ owner: "seed-worker", limit: 1 });
  await journal.finishTask(attempt!, {
    kind: "retry",
    error: { name: "Error", message: "card declined", code: "E_CARD" },
    delayMs: 600_000,
  });
  const ready = await start("held-1", "order");
  return { waiting, failed, completed, ready };
}
