import type { RuleFamily } from "./rule-family.ts";

/** Network, console and browser environment (CTM1301-CTM1305). */
export const ioRules: RuleFamily = {
  name: "io",
  references: [
    { path: "fetch", code: "CTM1301" },
    { path: "XMLHttpRequest", code: "CTM1302" },
    { path: "WebSocket", code: "CTM1303" },
    { path: "EventSource", code: "CTM1303" },
    { path: "console", code: "CTM1304" },
    { path: "navigator", code: "CTM1305" },
    { path: "localStorage", code: "CTM1305" },
    { path: "sessionStorage", code: "CTM1305" },
    { path: "indexedDB", code: "CTM1305" },
    { path: "document", code: "CTM1305" },
    { path: "location", code: "CTM1305" },
  ],
};
