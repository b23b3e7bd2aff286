import { setAttributes, sideEffect, workflow } from "@continuum/core";

// setAttributes is an effect: inside a sideEffect function it would run once, outside the journal.
export const tagged = workflow("tagged", { version: 1 }, async (userId: string) => {
  await sideEffect(() => setAttributes({ user: userId }));
  return userId;
});
