import { random, uuid4, workflow } from "@continuum/core";

export const lottery = workflow("lottery", { version: 1 }, async (entrants: string[]) => {
  const r = await random();
  const ticket = await uuid4();
  const winner = entrants[Math.floor(r * entrants.length)] ?? null;
  return { winner, ticket, max: Math.max(...entrants.map((e) => e.length), 0) };
});
