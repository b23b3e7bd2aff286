import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const onboarding = workflow("onboarding", { version: 1 }, async (userId: string) => {
  const user = await activity(acts.loadUser, userId);
  console.log("loaded user", user.id);
  await activity(acts.sendEmail, user.email, "Welcome", "Hello!");
  return user.id;
});
