import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import type { Journal } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/memory-journal.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import {
  activity,
  cancellable,
  defineActivity,
  hours,
  isCancellation,
  nonCancellable,
  signal,
  sleep,
  startChild,
  workflow,
} from "../workflow/index.ts";
import { activityContext } from "./activity-context.ts";
import { createEngine, type Engine } from "./create-engine.ts";

// Cancellation end to end: the engine, the client and each journal (memory, PGlite, PostgreSQL).

const seen: string[] = [];
let started: Array<() => void> = [];
const whenStarted = (): Promise<void> => new Promise((resolve) => started.push(resolve));

/** Runs until its attempt's signal aborts, then says so and throws the abort reason. */
const hold = defineActivity(
  "cancel.hold",
  async (label: string) => {
    const { signal } = activityContext();
    for (const resolve of started.splice(0)) resolve();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    seen.push(`${label} aborted (${isCancellation(signal.reason) ? "cancelled" : "other"})`);
    throw signal.reason;
  },
  { retry: { maxAttempts: 3, initialIntervalMs: 10 } },
);
const note = defineActivity("cancel.note", async (what: string) => {
  seen.push(what);
  return what;
});

const stamp = (name: string) =>
  ({
    format: 1,
    versionHash: `cancel-${name}`,
    cursors: [],
    file: "test/cancel.workflow.ts",
    line: 1,
  }) as const;

const checkout = workflow.stamped(stamp("checkout"))(
  "cancel.checkout",
  { version: 1 },
  async (id: string) => {
    try {
      await activity.at("activity:hold#0")(hold, `reserve ${id}`);
      return "reserved";
    } catch (error) {
      if (isCancellation(error))
        await nonCancellable(() => activity.at("activity:note#0")(note, `told customer ${id}`));
      throw error;
    }
  },
);

const swallowing = workflow.stamped(stamp("swallowing"))(
  "cancel.swallowing",
  { version: 1 },
  async (id: string) => {
    try {
      await sleep.at("sleep:#0")(hours(1));
    } catch {
      // swallowed: the next effect must not wait forever
    }
    await activity.at("activity:note#0")(note, `after ${id}`);
    return "went on";
  },
);

const timed = workflow.stamped(stamp("timed"))("cancel.timed", { version: 1 }, async (id: string) => {
  try {
    return await cancellable.at("cancellable:#0")(() => activity.at("activity:hold#0")(hold, `quote ${id}`), {
      timeout: 50,
    });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    return `fallback after ${error.reason ?? "?"}`;
  }
});

const waitingChild = workflow.stamped(stamp("child"))("cancel.child", { version: 1 }, async () =>
  signal.at("signal:never#0")<string>("never"),
);

/** Starts a child, then shields itself from every plain cancel. */
const stubborn = workflow.stamped(stamp("stubborn"))(
  "cancel.stubborn",
  { version: 1 },
  async (id: string) => {
    await startChild.at("startChild:waitingChild#0")(waitingChild, undefined, { id: `child-of-${id}` });
    for (;;) {
      try {
        await nonCancellable(() => sleep.at("sleep:#0")(hours(1)));
      } catch {
        // never reached: the sleep is shielded
      }
    }
  },
);

interface Subject {
  readonly name: string;
  open(): Promise<{ journal: Journal; close(): Promise<void> }>;
}

const servers: ServerDatabase[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.drop()));
});

const subjects: Subject[] = [
  { name: "memory", open: async () => ({ journal: new MemoryJournal(), close: async () => {} }) },
  {
    name: "PGlite",
    open: async () => {
      const journal = await openJournal({ dataDir: "memory://" });
      return { journal, close: () => journal.close() };
    },
  },
  {
    name: "PostgreSQL",
    open: async () => {
      const server = await createServerDatabase("cancel");
      servers.push(server);
      const journal = await openJournal({ url: server.url, migrate: true });
      return { journal, close: () => journal.close() };
    },
  },
];

describe.each(subjects)("cancellation on the $name journal", (subject) => {
  it("nonCancellable cleanup runs, a withdrawn attempt sees ctx.signal abort and is not retried, a swallowed cancel ends cancelled, scope timeouts fire, force terminates", async () => {
    seen.length = 0;
    started = [];
    const { journal, close } = await subject.open();
    const engine: Engine = createEngine({
      journal,
      workflows: [checkout, swallowing, timed, stubborn, waitingChild],
      activities: [hold, note],
      pollIntervalMs: 20,
    });
    const attempts: string[] = [];
    for (const kind of ["activity.failed", "activity.retried"] as const)
      engine.events.on(kind, (event) => attempts.push(`${event.runId} ${event.activityName} ${kind}`));
    engine.start();
    try {
      const client = createClient({ journal, pollIntervalMs: 20 });

      const holding = whenStarted();
      const first = await client.start(checkout, "o-1");
      await holding;
      await client.cancel(first.runId, "customer left");
      await expect(first.result()).rejects.toMatchObject({ code: ErrorCode.Cancelled });
      expect((await client.describe(first.runId)).status).toBe("cancelled");
      const history = await client.history(first.runId);
      expect(history.filter((e) => e.kind === "activity_scheduled").map((e) => e.activityName)).toEqual([
        "cancel.hold",
        "cancel.note",
      ]);
      expect(seen).toContain("told customer o-1");
      // The withdrawn attempt saw its signal abort; it failed for good instead of being retried.
      await expect
        .poll(() => attempts.filter((a) => a.startsWith(first.runId)))
        .toEqual([`${first.runId} cancel.hold activity.failed`]);
      expect(seen.filter((s) => s.startsWith("reserve o-1"))).toEqual(["reserve o-1 aborted (cancelled)"]);

      const second = await client.start(swallowing, "o-2");
      await client.cancel(second.runId);
      await expect(second.result()).rejects.toMatchObject({ code: ErrorCode.Cancelled });
      expect(seen).not.toContain("after o-2");

      const third = await client.start(timed, "o-3");
      expect(await third.result()).toBe("fallback after the cancellation scope timed out after 50 ms");
      await expect.poll(() => seen).toContain("quote o-3 aborted (cancelled)");
      expect((await client.history(third.runId)).map((e) => e.kind)).toContain("timer_fired");

      const fourth = await client.start(stubborn, "o-4");
      const kinds = async () => (await client.history(fourth.runId)).map((e) => e.kind);
      await expect.poll(kinds).toContain("child_started");
      await client.cancel(fourth.runId, "please");
      await expect.poll(kinds).toContain("cancel_requested");
      expect((await client.describe(fourth.runId)).status).toBe("running"); // it ignores a plain cancel
      await client.cancel(fourth.runId, { reason: "enough", force: true });
      await expect(fourth.result()).rejects.toMatchObject({
        code: ErrorCode.Cancelled,
        data: { reason: "enough" },
      });
      // Its child follows the parent-close policy ("cancel" by default).
      const kid = await client.describeWorkflow(`child-of-o-4`);
      expect(kid).toBeDefined();
      await expect(client.result(kid!.runId)).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    } finally {
      await engine.stop({ graceful: false });
      await close();
    }
  });
});
