import { workflow } from "@continuum/core";
import { chargeWithBackoff } from "./use-pure-directive-helper.ts";

export const usesHelper = workflow("uses-helper", { version: 1 }, async (orderId: string) => chargeWithBackoff(orderId, 250));
