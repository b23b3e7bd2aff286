import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

const PRICES: Readonly<Record<string, number>> = { basic: 500, pro: 1_500 };
const TAX_RATE = 0.2;

export const subscribe = workflow("subscribe", { version: 1 }, async (input: { orderId: string; plan: string }) => {
  const base = PRICES[input.plan] ?? 0;
  return activity(acts.charge, input.orderId, Math.round(base * (1 + TAX_RATE)));
});
