import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

async function* allUsers() {
  let cursor: number | null = 0;
  while (cursor !== null) {
    const page: { ids: string[]; next: number | null } = await activity(acts.pageOfUsers, cursor);
    yield* page.ids;
    cursor = page.next;
  }
}

export const countUsers = workflow("count-users", { version: 1 }, async () => {
  let n = 0;
  for await (const _id of allUsers()) n++;
  return n;
});
