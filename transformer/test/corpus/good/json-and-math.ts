import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const fx = workflow("fx", { version: 1 }, async (input: { currency: string; cents: number }) => {
  const rate = await activity(acts.fetchRates, input.currency);
  const converted = Math.round(input.cents * rate.rate);
  const snapshot = JSON.parse(JSON.stringify({ ...rate, converted })) as { converted: number };
  return { converted: snapshot.converted, entries: Object.entries(rate).length, clamp: Math.min(Math.max(converted, 0), 1e9) };
});
