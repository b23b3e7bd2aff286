import { workflow } from "@continuum/core";
import { timestamp } from "../support/time-utils.ts";

export const stamped = workflow("stamped", { version: 1 }, async (id: string) => {
  return { id, at: timestamp() };
});
