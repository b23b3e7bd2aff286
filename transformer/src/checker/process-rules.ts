import type { RuleFamily } from "./rule-family.ts";

/** Process and environment state (CTM1401-CTM1402; clocks on `process` are CTM1005). */
export const processRules: RuleFamily = {
  name: "process",
  references: [
    { path: "process", code: "CTM1402" },
    { path: "process.env", code: "CTM1401" },
  ],
};
