import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

const REGION = process.env["AWS_REGION"] ?? "eu-west-1";

export const regional = workflow("regional", { version: 1 }, async (orderId: string) => {
  await activity(acts.audit, { kind: REGION, id: orderId });
  return REGION;
});
