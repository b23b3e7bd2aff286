import { activity, defineActivity, defineQueue, workflow } from "@continuum/core";

// A call routed to its own queue: the options object (a queue made by defineQueue) is call
// options, not a payload argument.
const bulk = defineQueue("bulk-imports", { concurrency: 2 });
const upsert = defineActivity("crm.upsert", async (email: string) => email.length);

export const importContact = workflow("import-contact", { version: 1 }, async (email: string) => {
  return await activity(upsert, email, { queue: bulk, timeoutMs: 5_000 });
});
