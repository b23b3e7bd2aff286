import { workflow } from "@continuum/core";

export const withCallback = workflow("with-callback", { version: 1 }, async (input: { id: string; onDone: (id: string) => void }) => {
  return input.id;
});
