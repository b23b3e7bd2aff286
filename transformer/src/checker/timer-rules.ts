import type { RuleFamily } from "./rule-family.ts";

/** Timers and schedulers outside the journal (CTM1201-CTM1205). */
export const timerRules: RuleFamily = {
  name: "timer",
  references: [
    { path: "setTimeout", code: "CTM1201" },
    { path: "setInterval", code: "CTM1202" },
    { path: "setImmediate", code: "CTM1203" },
    { path: "queueMicrotask", code: "CTM1204" },
    { path: "requestAnimationFrame", code: "CTM1205" },
    { path: "requestIdleCallback", code: "CTM1205" },
  ],
};
