import { workflow } from "@continuum/core";

const { random, floor } = Math;

export const raffle = workflow("raffle", { version: 1 }, async (entrants: string[]) => {
  return entrants[floor(random() * entrants.length)];
});
