import { workflow } from "@continuum/core";

function elapsedSince(clock: DateConstructor, start: number): number {
  return clock.now() - start;
}

export const since = workflow("since", { version: 1 }, async (start: number) => elapsedSince(Date, start));
