import { workflow } from "@continuum/core";

export const abTest = workflow("ab-test", { version: 1 }, async (variants: string[]) => {
  const shuffled = [...variants].sort(() => Math.random() - 0.5);
  return shuffled[0];
});
