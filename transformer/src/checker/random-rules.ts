import type { RuleFamily } from "./rule-family.ts";

/** Randomness (CTM1101-CTM1103; imports of node:crypto are CTM1104, reported by the import rules). */
export const randomRules: RuleFamily = {
  name: "random",
  references: [
    { path: "Math.random", code: "CTM1101" },
    { path: "crypto.randomUUID", code: "CTM1102" },
    { path: "crypto.getRandomValues", code: "CTM1103" },
  ],
};
