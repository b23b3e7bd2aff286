import { workflow } from "@continuum/core";
import { events } from "../support/db.ts";

export const consume = workflow("consume", { version: 1 }, async () => {
  const types: string[] = [];
  for await (const event of events) types.push(event.type);
  return types;
});
