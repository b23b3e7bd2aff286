import { child, signal, sleepUntil, workflow } from "@continuum/core";

// The scale scenario's wake-up workloads, written as a user writes workflows (compiled by the
// transformer's loader when loaded). Each one ends right after its wait, so the engine's
// `run.completed` event marks the moment the run was woken and finished its last step.

/** Waits for one `go` signal: the signal wake-up (sent from another engine's process). */
export const scaleWaiter = workflow("scale.waiter", { version: 1 }, async (_i: number) => {
  return signal<number>("go");
});

/** Sleeps until `until` (epoch ms): the timer wake-up (any engine's timer wheel may fire it). */
export const scaleSleeper = workflow("scale.sleeper", { version: 1 }, async (until: number) => {
  await sleepUntil(until);
  return until;
});

/** A child that waits for `finish`, so the harness decides when it completes. */
export const scaleChild = workflow("scale.child", { version: 1 }, async (_i: number) => {
  return signal<number>("finish");
});

/** Awaits one {@link scaleChild}: the child-completion wake-up (the child runs on another engine). */
export const scaleParent = workflow("scale.parent", { version: 1 }, async (i: number) => {
  return child(scaleChild, i);
});
