import { defineSignal, signal, workflow } from "@continuum/core";

// A typed signal's payload type comes from its definition: a function cannot travel through the codec.
const reply = defineSignal<{ respond: (text: string) => void }>("reply");

export const awaitTypedReply = workflow("await-typed-reply", { version: 1 }, async () => {
  const got = await signal(reply);
  return typeof got;
});
