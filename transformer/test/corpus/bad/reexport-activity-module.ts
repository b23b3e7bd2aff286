import { workflow } from "@continuum/core";
export { charge, refund } from "../support/activities.ts";

export const billing = workflow("billing", { version: 1 }, async () => "ok");
