import { sleepUntil, workflow } from "@continuum/core";
import { addDays } from "../support/format.ts";

export const reminder = workflow("reminder", { version: 1 }, async (input: { createdAt: string }) => {
  await sleepUntil(addDays(new Date(input.createdAt), 3));
  return "reminded";
});
