import { workflow } from "@continuum/core";

const delay = globalThis.setTimeout;

export const later = workflow("later", { version: 1 }, async () => {
  await new Promise((r) => delay(r, 10));
  return 1;
});
