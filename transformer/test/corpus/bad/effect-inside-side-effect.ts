import { activity, sideEffect, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const nested = workflow("nested", { version: 1 }, async (userId: string) => {
  const plan = await sideEffect(async () => (await activity(acts.loadUser, userId)).plan);
  return plan;
});
