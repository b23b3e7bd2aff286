import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const welcome = workflow("welcome", { version: 1 }, async (email: string) => {
  await acts.sendEmail(email, "Welcome", "Hi there");
  return true;
});
