import { workflow } from "@continuum/core";

const { log } = console;

export const noisy = workflow("noisy", { version: 1 }, async (step: string) => {
  log("step", step);
  return step;
});
