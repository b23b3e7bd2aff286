import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

const call = activity;

export const aliasedEffect = workflow("aliased-effect", { version: 1 }, async (orderId: string) => call(acts.charge, orderId, 100));
