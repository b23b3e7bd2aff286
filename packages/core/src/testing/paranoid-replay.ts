import type { Journal } from "../journal/journal.ts";
import type { HistoryEventBody, SerializedError } from "../model/index.ts";
import { parseCursor } from "../model/identity.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import type { Registry } from "../worker/registry.ts";
import type { CommittedStep } from "../worker/run-stepper.ts";
import { canonicalJson } from "./canonical-json.ts";

/** Effects whose recorded value is legitimately different on every live call. */
const liveValueKinds: ReadonlySet<string> = new Set(["uuid4", "random", "sideEffect"]);

/**
 * Paranoid mode's check of one committed step: rebuild the run from its own journal, from
 * scratch, up to just before the step, deliver the same inbox at the same `now`, and compare
 * the events produced with the ones the live (possibly cached) execution committed. Any
 * difference means the workflow is not a pure function of its history: hidden state (a
 * module-level variable, a cache), wall-clock time or randomness outside the workflow API.
 *
 * Values recorded by uuid4/random/sideEffect are compared by presence only (they differ by
 * design on every live call; replay reads them back from the journal).
 *
 * Returns the problem found, or `undefined`.
 */
export async function checkStepByReplay(
  journal: Journal,
  registry: Registry,
  step: CommittedStep,
): Promise<TestKitError | undefined> {
  const history = (await journal.readHistory(step.runId)).filter((event) => event.seq <= step.fromSeq);
  const definition =
    registry.workflowVersion(step.workflowName, step.versionHash) ?? registry.workflow(step.workflowName);
  let produced: readonly HistoryEventBody[];
  try {
    const execution = await registry.createExecution(
      definition,
      { runId: step.runId, workflowId: step.workflowId, history },
      { now: step.now, silent: true },
    );
    try {
      produced = (await execution.step({ now: step.now, deliveries: step.deliveries })).events;
    } finally {
      execution.dispose();
    }
  } catch (error) {
    return new TestKitError(
      `paranoid replay of run ${step.runId} (workflow ${step.workflowName}) failed before seq ${step.fromSeq + 1}`,
      { runId: step.runId, fromSeq: step.fromSeq },
      "replaying the run's own history from scratch did not reach the state the live execution was in: the workflow depends on something outside its history",
      error,
    );
  }
  const expected = step.events.map(comparable);
  const actual = produced.map(comparable);
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    if (expected[i] !== actual[i]) {
      return new TestKitError(
        `paranoid replay of run ${step.runId} (workflow ${step.workflowName}) diverged at seq ${step.fromSeq + 1 + i}:\n` +
          `  live:   ${expected[i] ?? "nothing"}\n  replay: ${actual[i] ?? "nothing"}`,
        {
          runId: step.runId,
          seq: step.fromSeq + 1 + i,
          live: expected[i] ?? null,
          replay: actual[i] ?? null,
        },
        "the workflow is not deterministic: remove hidden state (module-level variables), Date.now(), Math.random() and I/O from it, or move them into activities",
      );
    }
  }
  return undefined;
}

function comparable(event: HistoryEventBody): string {
  // A stack says where the error was built (the live step or the replay), not what happened.
  if (event.kind === "run_failed") return canonicalJson({ ...event, error: withoutStacks(event.error) });
  if (event.kind === "value_recorded") {
    const kind = parseCursor(event.identity.slice(0, event.identity.lastIndexOf("@")))?.kind;
    if (kind !== undefined && liveValueKinds.has(kind))
      return canonicalJson({ ...event, value: "<live value>" });
  }
  return canonicalJson(event);
}

function withoutStacks(error: SerializedError): SerializedError {
  const { stack: _stack, cause, ...rest } = error;
  return cause === undefined ? rest : { ...rest, cause: withoutStacks(cause) };
}
