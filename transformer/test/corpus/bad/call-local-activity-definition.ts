import { activity, defineActivity, workflow } from "@continuum/core";

const notify = defineActivity("notify", async (userId: string) => `notified ${userId}`);

export const notifyAll = workflow("notify-all", { version: 1 }, async (userIds: string[]) => {
  await activity(notify, userIds[0] ?? "nobody");
  for (const id of userIds.slice(1)) await notify(id);
  return userIds.length;
});
