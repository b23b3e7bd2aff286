import { activity, awaitChild, defineActivity, signal, startChild, workflow } from "@continuum/core";

// Hand-stamped (transformer/SPEC.md sections 1-2): the bench runs under plain node, and the
// stamps carry exactly what the transformer would inject.

/** Side channel from workflow and activity code to the harness (benchmark only: not workflow-safe). */
export const probes = {
  /** performance.now() at each long-history step, in step order. */
  stepTimes: [] as number[],
  /** Wake-up: when the code reached the k-th wait, and when it resumed after it (first time only). */
  waiting: new Map<string, number>(),
  resumed: new Map<string, number>(),
  onWaiting: undefined as ((key: string) => void) | undefined,
  onResumed: undefined as ((key: string) => void) | undefined,
};

function mark(map: Map<string, number>, key: string, listener: ((key: string) => void) | undefined): void {
  if (map.has(key)) return; // a replay passes here again; the first time is the live one
  map.set(key, performance.now());
  listener?.(key);
}

/** The no-op step every 3-step workflow runs. */
export const noop = defineActivity("bench.noop", async (i: number) => i);

/** A long-history step: records when it ran. */
export const tick = defineActivity("bench.tick", async (i: number) => {
  probes.stepTimes.push(performance.now());
  return i;
});

/** Three sequential no-op activities. */
export const threeStep = workflow.stamped({
  format: 1,
  versionHash: "bench3step000001",
  cursors: ["activity:noop#0", "activity:noop#1", "activity:noop#2"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 36,
})("bench.three-step", { version: 1 }, async (i: number) => {
  await activity.at("activity:noop#0")(noop, i);
  await activity.at("activity:noop#1")(noop, i);
  return activity.at("activity:noop#2")(noop, i);
});

/** `steps` sequential activities: the long-history workload. */
export const longLoop = workflow.stamped({
  format: 1,
  versionHash: "benchlongloop001",
  cursors: ["activity:tick#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 49,
})("bench.long-loop", { version: 1 }, async (steps: number) => {
  let sum = 0;
  for (let i = 0; i < steps; i += 1) sum += await activity.at("activity:tick#0")(tick, i);
  return sum;
});

/** Waits for `count` signals in a row, marking when it waits and when it resumes. */
export const waitLoop = workflow.stamped({
  format: 1,
  versionHash: "benchwaitloop001",
  cursors: ["signal:go#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 62,
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
  line: 79,
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
  line: 92,
})("bench.suspended", { version: 1 }, async (i: number) => {
  mark(probes.waiting, String(i), probes.onWaiting);
  return signal.at("signal:go#0")<number>("go");
});

/** `width` activities at once (Promise.all). */
export const fanout = workflow.stamped({
  format: 1,
  versionHash: "benchfanout00001",
  cursors: ["activity:noop#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 104,
})("bench.fanout", { version: 1 }, async (width: number) => {
  const results = await Promise.all(
    Array.from({ length: width }, (_, i) => activity.at("activity:noop#0")(noop, i)),
  );
  return results.length;
});

/** One child of the child fan-out: a single no-op activity. */
export const fanoutChild = workflow.stamped({
  format: 1,
  versionHash: "benchfanchild001",
  cursors: ["activity:noop#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 120,
})("bench.fanoutChild", { version: 1 }, async (i: number) => activity.at("activity:noop#0")(noop, i));

/** `width` child workflows started one after another, then all awaited (fan-out, fan-in). */
export const fanoutChildren = workflow.stamped({
  format: 1,
  versionHash: "benchfanchildren",
  cursors: ["startChild:fanoutChild#0", "awaitChild:#0"],
  file: "bench/src/peers/continuum-workflows.ts",
  line: 129,
})("bench.fanoutChildren", { version: 1 }, async (width: number) => {
  const handles = [];
  for (let i = 0; i < width; i += 1)
    handles.push(await startChild.at("startChild:fanoutChild#0")(fanoutChild, i));
  const results = await Promise.all(handles.map((handle) => awaitChild.at("awaitChild:#0")(handle)));
  return results.length;
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
