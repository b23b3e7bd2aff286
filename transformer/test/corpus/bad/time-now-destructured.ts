import { workflow } from "@continuum/core";

const { now } = Date;

export const stopwatch = workflow("stopwatch", { version: 1 }, async () => {
  return { at: now() };
});
