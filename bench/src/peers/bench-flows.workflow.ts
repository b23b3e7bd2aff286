import { activity, awaitChild, startChild, workflow } from "@continuum/core";
import { noop, tick } from "./continuum-activities.ts";

// Written as a user writes workflows: the transformer's node loader (`node --import
// @continuum/transformer/register`, which the bench runs every case under) checks and stamps
// this file when it is loaded, as it does for examples/orders.

/** Three sequential no-op activities: the throughput and latency workload. */
export const threeStep = workflow("bench.three-step", { version: 1 }, async (i: number) => {
  await activity(noop, i);
  await activity(noop, i);
  return activity(noop, i);
});

/** `steps` sequential activities: the long-history workload. */
export const longLoop = workflow("bench.long-loop", { version: 1 }, async (steps: number) => {
  let sum = 0;
  for (let i = 0; i < steps; i += 1) sum += await activity(tick, i);
  return sum;
});

/** `width` activities at once (Promise.all). */
export const fanout = workflow("bench.fanout", { version: 1 }, async (width: number) => {
  const results = await Promise.all(Array.from({ length: width }, (_, i) => activity(noop, i)));
  return results.length;
});

/** One child of the child fan-out: a single no-op activity. */
export const fanoutChild = workflow("bench.fanoutChild", { version: 1 }, async (i: number) =>
  activity(noop, i),
);

/** `width` child workflows started one after another, then all awaited (fan-out, fan-in). */
export const fanoutChildren = workflow("bench.fanoutChildren", { version: 1 }, async (width: number) => {
  const handles = [];
  for (let i = 0; i < width; i += 1) handles.push(await startChild(fanoutChild, i));
  const results = await Promise.all(handles.map((handle) => awaitChild(handle)));
  return results.length;
});
