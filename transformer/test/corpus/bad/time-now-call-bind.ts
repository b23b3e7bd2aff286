import { workflow } from "@continuum/core";

export const bound = workflow("bound", { version: 1 }, async () => {
  const read = Date.now.bind(Date);
  return read();
});
