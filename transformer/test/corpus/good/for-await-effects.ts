import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const sequential = workflow("sequential", { version: 1 }, async (userIds: string[]) => {
  const emails: string[] = [];
  for await (const user of userIds.map((id) => activity(acts.loadUser, id))) emails.push(user.email);
  return emails;
});
