import { activity, continueAsNew, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const crawler = workflow("crawler", { version: 1 }, async (input: { cursor: number; seen: number }) => {
  const page = await activity(acts.pageOfUsers, input.cursor);
  const seen = input.seen + page.ids.length;
  if (page.next === null) return seen;
  if (seen > 1_000) return continueAsNew({ cursor: page.next, seen: 0 });
  return continueAsNew({ cursor: page.next, seen });
});
