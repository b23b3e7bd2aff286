import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";
import { chunk, formatCents } from "../support/format.ts";

export const batchEmails = workflow("batch-emails", { version: 1 }, async (input: { emails: string[]; cents: number }) => {
  const batches = chunk(input.emails, 50);
  for (const batch of batches) {
    await Promise.all(batch.map((to) => activity(acts.sendEmail, to, "Invoice", formatCents(input.cents))));
  }
  return batches.length;
});
