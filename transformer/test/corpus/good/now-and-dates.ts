import { now, workflow } from "@continuum/core";
import { addDays } from "../support/format.ts";

export const trial = workflow("trial", { version: 1 }, async (input: { signedUpAt: string }) => {
  const current = await now();
  const signedUp = new Date(input.signedUpAt);
  const ends = addDays(signedUp, 14);
  const epoch = Date.UTC(2024, 0, 1);
  const parsed = Date.parse(input.signedUpAt);
  return { expired: current.getTime() > ends.getTime(), epoch, parsed, ends: ends.toISOString() };
});
