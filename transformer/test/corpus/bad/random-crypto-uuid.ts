import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const createInvoice = workflow("create-invoice", { version: 1 }, async (orderId: string) => {
  const invoiceId = crypto.randomUUID();
  await activity(acts.audit, { kind: "invoice", id: invoiceId });
  return invoiceId;
});
