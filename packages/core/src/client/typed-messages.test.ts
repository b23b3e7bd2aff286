import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { createEngine } from "../worker/create-engine.ts";
import { instrumented } from "../worker/test-support/drive-runtime.ts";
import {
  complete,
  defineQuery,
  defineSignal,
  now,
  setHandler,
  signal,
  sleep,
  workflow,
} from "../workflow/index.ts";
import { journalMatrix, refusal } from "./test-support/journal-matrix.ts";
import { createClient } from "./create-client.ts";

// Typed messages end to end: a workflow that declares its signals and answers queries, driven
// by a real engine, on the memory journal, embedded PGlite and the PostgreSQL server.

const approve = defineSignal(
  "review.approve",
  (p: unknown): p is { by: string } => typeof (p as { by?: unknown } | null)?.by === "string",
);
const note = defineSignal<string>("review.note", (p) => {
  if (typeof p !== "string") throw new TypeError("a note is a string");
  return true;
});
const status = defineQuery<{ phase: string; notes: string[] }>("review.status");
const notesStarting = defineQuery<number, [prefix: string]>("review.notes-starting");
const sneakySleep = defineQuery<string>("review.sneaky-sleep");
const sneakyClock = defineQuery<Date>("review.sneaky-clock");
const asyncQuery = defineQuery<string>("review.async");
const sneakyComplete = defineQuery<string>("review.sneaky-complete");

const review = workflow.stamped({
  format: 1,
  versionHash: "typed-review-1",
  cursors: [],
  file: "packages/core/src/client/typed-messages.test.ts",
  line: 40,
})("typed.review", { version: 1, signals: [approve, note] }, async (orderId: string) => {
  let phase = `waiting for ${orderId}`;
  const notes: string[] = [];
  setHandler(status, () => ({ phase, notes }));
  setHandler(notesStarting, (prefix) => notes.filter((n) => n.startsWith(prefix)).length);
  setHandler(sneakySleep, () => {
    void sleep.at("sleep:#0")(10);
    return "slept";
  });
  setHandler(sneakyClock, () => now.at("now:#0")());
  setHandler(sneakyComplete, () => complete("done early"));
  // @ts-expect-error query handlers are synchronous: a promise-returning handler is refused
  setHandler(asyncQuery, async () => "later");
  notes.push(await signal.at("signal:expr#0")(note));
  phase = "noted";
  const { by } = await signal.at("signal:expr#1")(approve);
  phase = `approved by ${by}`;
  return phase;
});

/** Polls `check` until it holds (the runner's timeout catches a hang). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

const { kinds: journalKinds, engines } = journalMatrix("typed_messages");

describe.each(Object.entries(journalKinds))("typed signals and queries (%s journal)", (_kind, open) => {
  it("signals are checked and delivered; queries read state from the engine's execution or by replay and write nothing", async () => {
    const base = await open();
    const { journal, calls } = instrumented(base);
    const engine = createEngine({ journal, workflows: [review], activities: [], pollIntervalMs: 20 });
    engines.push(engine);
    engine.start();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(review, "o-1");

    // While the engine steps the run the client answers by replaying the history; once the
    // engine holds it between steps, it answers from its execution, with no history read.
    await until(async () => {
      const reads = calls("readHistory");
      const answer = await client.query(run, status);
      return answer.phase === "waiting for o-1" && calls("readHistory") === reads;
    });

    // Refused at the boundary, nothing stored: a payload the validator rejects or throws on,
    // and a name the workflow does not declare.
    const historyBefore = await client.history(run.runId);
    const invalid = await refusal(client.signal(run, approve, { by: 5 } as never));
    expect(isContinuumError(invalid, ErrorCode.SignalPayloadInvalid)).toBe(true);
    expect(String(invalid)).toContain("fix:");
    const thrown = await refusal(client.signal(run, note, 7 as never));
    expect(isContinuumError(thrown, ErrorCode.SignalPayloadInvalid)).toBe(true);
    expect((thrown as Error).cause).toBeInstanceOf(TypeError);
    // A send by plain name is checked against the declared definition's validator too.
    const byName = await refusal(client.signal(run.runId, "review.approve", { by: null }));
    expect(isContinuumError(byName, ErrorCode.SignalPayloadInvalid)).toBe(true);
    const undeclared = await refusal(client.signal(run, "review.reject", "no"));
    expect(isContinuumError(undeclared, ErrorCode.SignalNotDeclared)).toBe(true);
    expect((undeclared as { data: { declared: string[] } }).data.declared).toEqual([
      "review.approve",
      "review.note",
    ]);
    expect(await client.history(run.runId)).toEqual(historyBefore);
    expect(await client.query(run, status)).toEqual({ phase: "waiting for o-1", notes: [] });

    // The opt-out for names chosen at run time: stored (the run never takes it).
    expect(await client.signal(run, "review.reject", "no", { dynamic: true })).toEqual({ accepted: true });

    await client.signal(run, note, "hello");
    await until(async () => (await client.query(run, status)).phase === "noted");
    expect(await client.query(run, notesStarting, "he")).toBe(1);
    expect(await client.query(run, notesStarting, "x")).toBe(0);
    // The answer is a copy: changing it does not reach the run.
    (await client.query(run, status)).notes.push("tampered");
    expect((await client.query(run, status)).notes).toEqual(["hello"]);

    // Read-only: a handler that starts an effect is refused and the history does not move.
    const seq = (await client.history(run.runId)).length;
    expect(isContinuumError(await refusal(client.query(run, sneakySleep)), ErrorCode.EffectInQuery)).toBe(
      true,
    );
    expect(isContinuumError(await refusal(client.query(run, sneakyClock)), ErrorCode.EffectInQuery)).toBe(
      true,
    );
    expect(isContinuumError(await refusal(client.query(run, sneakyComplete)), ErrorCode.EffectInQuery)).toBe(
      true,
    );
    expect(isContinuumError(await refusal(client.query(run, asyncQuery)), ErrorCode.InvalidArgument)).toBe(
      true,
    );
    const unknown = defineQuery<string>("review.unknown");
    const missing = await refusal(client.query(run, unknown));
    expect(isContinuumError(missing, ErrorCode.QueryNotRegistered)).toBe(true);

    // Another process's view: no engine, the workflow's code given to the client, so it
    // replays the history to answer. Without the code it cannot answer.
    const replaying = createClient({ journal: base, workflows: [review] });
    expect(await replaying.query(run.runId, status)).toEqual({ phase: "noted", notes: ["hello"] });
    const blind = createClient({ journal: base });
    expect(isContinuumError(await refusal(blind.query(run, status)), ErrorCode.QueryUnavailable)).toBe(true);
    expect((await client.history(run.runId)).length).toBe(seq);
    // Declarations are known from `workflows` too; a client without the code cannot check names.
    const stray = await refusal(replaying.signal(run, "review.reject", "no"));
    expect(isContinuumError(stray, ErrorCode.SignalNotDeclared)).toBe(true);
    expect(await blind.signal(run, "review.reject", "no")).toEqual({ accepted: true });

    await client.signal(run, approve, { by: "ann" });
    expect(await run.result({ timeoutMs: 10_000 })).toBe("approved by ann");
    // A finished run still answers, by replay.
    expect(await replaying.query(run, status)).toEqual({ phase: "approved by ann", notes: ["hello"] });
    expect(await client.describe(run.runId)).toMatchObject({ status: "completed" });
  });
});

describe("typed message definitions", () => {
  it("refuse bad names, validators and declarations at definition time", () => {
    for (const bad of ["", " padded", 42, "x".repeat(201)]) {
      expect(() => defineSignal(bad as string)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidWorkflowDefinition }),
      );
      expect(() => defineQuery(bad as string)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidWorkflowDefinition }),
      );
    }
    expect(() => defineSignal("s", "yes" as never)).toThrow(/validate/);
    expect(() => workflow("w", { version: 1, signals: ["approve" as never] }, async () => undefined)).toThrow(
      /signals/,
    );
  });

  it("setHandler outside a workflow is refused", () => {
    expect(() => setHandler(status, () => ({ phase: "", notes: [] }))).toThrow(
      expect.objectContaining({ code: ErrorCode.EffectOutsideWorkflow }),
    );
  });

  it("compile time: payload and query types are checked on both sides", () => {
    // Never called: the checks are the @ts-expect-error lines (pnpm typecheck fails when one
    // of them no longer is an error).
    const typeChecks = async (client: ReturnType<typeof createClient>) => {
      await client.signal("r", approve, { by: "ann" });
      // @ts-expect-error wrong payload type
      await client.signal("r", approve, { by: 5 });
      // @ts-expect-error payload missing
      await client.signal("r", approve);
      const ping = defineSignal("ping");
      await client.signal("r", ping);
      const answer: { phase: string } = await client.query("r", status);
      // @ts-expect-error the result is not a number
      const wrong: number = await client.query("r", status);
      await client.query("r", notesStarting, "a");
      // @ts-expect-error argument of the wrong type
      await client.query("r", notesStarting, 1);
      // @ts-expect-error argument missing
      await client.query("r", notesStarting);
      void [answer, wrong];
    };
    const inWorkflow = async () => {
      const got: { by: string } = await signal.at("signal:expr#0")(approve);
      // @ts-expect-error the payload is { by: string }
      const wrong: number = await signal.at("signal:expr#1")(approve);
      const timed = await signal.at("signal:expr#2")(note, { timeout: 5 });
      // @ts-expect-error may be the timeout marker
      const text: string = timed;
      // @ts-expect-error handler returns the wrong type
      setHandler(status, () => 3);
      // @ts-expect-error handler takes a string
      setHandler(notesStarting, (prefix: number) => prefix);
      void [got, wrong, text];
    };
    expect(typeof typeChecks).toBe("function");
    expect(typeof inWorkflow).toBe("function");
  });
});
