import { signal, workflow } from "@continuum/core";

export const awaitReply = workflow("await-reply", { version: 1 }, async () => {
  const reply = await signal<{ respond: (text: string) => void }>("reply");
  return typeof reply;
});
