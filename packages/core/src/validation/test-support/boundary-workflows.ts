import { isContinuumError } from "../../errors/continuum-error.ts";
import { ActivityFailure } from "../../errors/workflow-errors.ts";
import { activityContext } from "../../worker/activity-context.ts";
import { activity, child, defineActivity, signal, sleep, workflow } from "../../workflow/index.ts";

// Workflows of the boundary suites, hand-stamped (transformer/SPEC.md section 1).
const stamp = (versionHash: string) =>
  ({
    format: 1,
    versionHash,
    cursors: [],
    file: "validation/test-support/boundary-workflows.ts",
    line: 1,
  }) as const;

/** Waits for the signal "go" and returns its payload: the target of signals in the suites. */
export const holdFlow = workflow.stamped(stamp("boundaryhold00001"))(
  "boundary.hold",
  { version: 1 },
  async (_input: { label: string }) => signal.at("signal:go#0")<unknown>("go"),
);

/** Returns a string of `bytes` characters: over the result limit when asked. */
export const sizedResult = defineActivity("boundary.sized", async (bytes: number) => "x".repeat(bytes), {
  retry: { maxAttempts: 5, initialIntervalMs: 10 },
});

/** Fails its first attempt, so the retry policy it is called with is applied. */
export const flakyOnce = defineActivity("boundary.flaky", async () => {
  if (activityContext().attempt === 1) throw new Error("first attempt fails");
  return "ok";
});

/** Trivial child of the probes. */
export const leafFlow = workflow.stamped(stamp("boundaryleaf00001"))(
  "boundary.leaf",
  { version: 1 },
  async (input: number) => input,
);

/** One workflow-API call with arbitrary arguments; what the probe is asked to try. */
export type Probe =
  | { readonly kind: "signal"; readonly name: unknown; readonly timeout: unknown }
  | { readonly kind: "sleep"; readonly ms: unknown }
  | { readonly kind: "child"; readonly id: unknown }
  | { readonly kind: "activity"; readonly options: unknown }
  | { readonly kind: "retry"; readonly retry: unknown }
  | { readonly kind: "activityResult"; readonly bytes: number };

/**
 * Makes the workflow-API call the probe names and reports how it went: `ok`, or the Continuum
 * error code it threw (the workflow catches it, as user code may). A non-Continuum error fails
 * the run, which the suites count as a defect.
 */
export const probeFlow = workflow.stamped(stamp("boundaryprobe0001"))(
  "boundary.probe",
  { version: 1 },
  async (probe: Probe): Promise<{ ok: true } | { code: string; cause?: string }> => {
    try {
      switch (probe.kind) {
        case "signal":
          await signal.at("signal:expr#0")(probe.name as string, { timeout: probe.timeout as number });
          break;
        case "sleep":
          await sleep.at("sleep:#0")(probe.ms as number);
          break;
        case "child":
          await child.at("child:leafFlow#0")(leafFlow, 1, { id: probe.id as string });
          break;
        case "activity":
          await activity.at("activity:sizedResult#0")(sizedResult, 1, probe.options as { timeoutMs: number });
          break;
        case "retry":
          await activity.at("activity:flakyOnce#0")(flakyOnce, {
            retry: probe.retry as { maxAttempts: number },
          });
          break;
        case "activityResult":
          await activity.at("activity:sizedResult#1")(sizedResult, probe.bytes);
          break;
      }
      return { ok: true };
    } catch (error) {
      if (error instanceof ActivityFailure) {
        const cause = error.cause as { code?: string } | undefined;
        return { code: error.code, ...(cause?.code === undefined ? {} : { cause: cause.code }) };
      }
      if (isContinuumError(error)) return { code: error.code };
      throw error;
    }
  },
);

/** Returns `bytes` characters: a run result over the limit when asked. */
export const bigOutputFlow = workflow.stamped(stamp("boundarybig000001"))(
  "boundary.big",
  { version: 1 },
  async (bytes: number) => "y".repeat(bytes),
);
