import { workflow } from "@continuum/core";
import { currentTime } from "../support/index.ts";

export const reexported = workflow("reexported", { version: 1 }, async () => {
  return currentTime();
});
