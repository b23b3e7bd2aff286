"use pure";
import { activity, sleep } from "@continuum/core";
import * as acts from "../support/activities.ts";

/** A pure helper module that itself calls effects (stamped too). */
export async function chargeWithBackoff(orderId: string, cents: number): Promise<string> {
  for (let i = 0; i < 3; i++) {
    try {
      return (await activity(acts.charge, orderId, cents)).receiptId;
    } catch {
      await sleep(1_000 * 2 ** i);
    }
  }
  return "failed";
}
