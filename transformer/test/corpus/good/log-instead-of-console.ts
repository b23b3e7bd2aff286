import { activity, log, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const onboarding = workflow("onboarding", { version: 1 }, async (userId: string) => {
  const user = await activity(acts.loadUser, userId);
  log("loaded user", { id: user.id, plan: user.plan });
  await activity(acts.sendEmail, user.email, "Welcome", `Hello ${user.id}`);
  return user.id;
});
