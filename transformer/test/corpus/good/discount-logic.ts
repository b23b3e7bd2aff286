import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

type Tier = "free" | "pro";

function discountFor(tier: Tier, cents: number): number {
  switch (tier) {
    case "free":
      return 0;
    case "pro":
      return Math.floor(cents * 0.1);
  }
}

export const checkout = workflow("checkout", { version: 1 }, async (input: { orderId: string; userId: string; cents: number }) => {
  const user = await activity(acts.loadUser, input.userId);
  const total = input.cents - discountFor(user.plan, input.cents);
  return activity(acts.charge, input.orderId, total);
});
