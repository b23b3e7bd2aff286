import { activity, sideEffect, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

// sideEffect runs its function once and records the result: reading the clock, randomness or
// the environment is exactly what it is for.
export const sampled = workflow("sampled-audit", { version: 1 }, async (orderId: string) => {
  const sampledIn = await sideEffect(() => Math.random() < 0.1);
  const region = await sideEffect(() => process.env.AWS_REGION ?? "local");
  const startedAt = await sideEffect(() => Date.now());
  if (sampledIn) await activity(acts.audit, { kind: `sample:${region}:${startedAt}`, id: orderId });
  return sampledIn;
});
