import { activity, signal, workflow } from "@continuum/core";
import { fanout, fanoutChild, fanoutChildren, longLoop, threeStep } from "./bench-flows.workflow.ts";
import { mark, noop, probes, tick } from "./continuum-activities.ts";

// The workloads a user would write are in bench-flows.workflow.ts, compiled by the transformer's
// loader. The three here report to the harness through `probes` (when the code reached a wait,
// when it resumed), a side channel the transformer rightly refuses in workflow code (CTM1504:
// calling into an opaque module), so they stay hand-stamped (transformer/SPEC.md sections 1-2)
// and bench/package.json excludes this file from the loader. The stamps carry exactly what the
// transformer would inject.

export { fanout, fanoutChild, fanoutChildren, longLoop, noop, probes, threeStep, tick };

/** Waits for `count` signals in a row, marking when it waits and when it resumes. */
export const waitLoop = workflow.stamped({
  format: 1,
  versionHash: "benchwaitloop001",
  cursors: ["signal:go#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 15,
})("bench.wait-loop", { version: 1 }, async (count: number) => {
  for (let k = 0; k < count; k += 1) {
    mark(probes.waiting, String(k), probes.onWaiting);
    await signal.at("signal:go#0")<number>("go");
    mark(probes.resumed, String(k), probes.onResumed);
  }
  return count;
});

/**
 * `steps` activities, then `resumes` waits for `finish` in a row: a long history suspended, for
 * cold replay (each wait can be resumed by a different, fresh engine).
 */
export const coldFlow = workflow.stamped({
  format: 1,
  versionHash: "benchcoldflow002",
  cursors: ["activity:noop#0", "signal:finish#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 34,
})("bench.cold-flow", { version: 1 }, async ({ steps, resumes }: { steps: number; resumes: number }) => {
  for (let i = 0; i < steps; i += 1) await activity.at("activity:noop#0")(noop, i);
  for (let r = 0; r < resumes; r += 1) {
    mark(probes.waiting, `cold:${r}`, probes.onWaiting);
    await signal.at("signal:finish#0")<number>("finish");
    mark(probes.resumed, `cold:${r}`, probes.onResumed);
  }
  return steps;
});

/** One wait for a signal: a suspended run, for the memory scenario. */
export const suspended = workflow.stamped({
  format: 1,
  versionHash: "benchsuspended01",
  cursors: ["signal:go#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 51,
})("bench.suspended", { version: 1 }, async (i: number) => {
  mark(probes.waiting, String(i), probes.onWaiting);
  return signal.at("signal:go#0")<number>("go");
});

/** Every workflow above, for engine registration. */
export const benchWorkflows = [
  threeStep,
  longLoop,
  waitLoop,
  coldFlow,
  suspended,
  fanout,
  fanoutChild,
  fanoutChildren,
];
/** Every activity above. */
export const benchActivities = [noop, tick];
