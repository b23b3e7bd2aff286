import { workflow } from "@continuum/core";

const generators = [Math.random, () => 0.5];

export const pickGenerator = workflow("pick-generator", { version: 1 }, async (i: number) => (generators[i] ?? generators[1]!)());
