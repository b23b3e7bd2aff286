import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

const userCache = new Map<string, { id: string }>();

export const cachedUser = workflow("cached-user", { version: 1 }, async (userId: string) => {
  const hit = userCache.get(userId);
  if (hit) return hit;
  const user = await activity(acts.loadUser, userId);
  userCache.set(userId, user);
  return user;
});
