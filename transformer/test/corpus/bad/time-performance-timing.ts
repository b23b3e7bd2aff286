import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const measured = workflow("measured", { version: 1 }, async (userId: string) => {
  const t0 = performance.now();
  const user = await activity(acts.loadUser, userId);
  const ms = performance.now() - t0;
  return { user, ms };
});
