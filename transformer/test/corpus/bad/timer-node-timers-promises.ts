import { workflow } from "@continuum/core";
import { setTimeout as sleepMs } from "node:timers/promises";

export const cooldown = workflow("cooldown", { version: 1 }, async () => {
  await sleepMs(60_000);
  return "cooled";
});
