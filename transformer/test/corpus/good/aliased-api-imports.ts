import { activity as run, sleep as pause, workflow as defineWorkflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const aliased = defineWorkflow("aliased", { version: 1 }, async (orderId: string) => {
  await pause(1_000);
  return run(acts.ship, orderId, "Main St 1");
});
