import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

class ValidationError extends Error {
  override readonly name = "ValidationError";
}

export const validated = workflow("validated", { version: 1 }, async (input: { sku: string; qty: number }) => {
  if (input.qty <= 0) throw new ValidationError("qty must be positive");
  const r = await activity(acts.reserveStock, input.sku, input.qty);
  return r.ok;
});
