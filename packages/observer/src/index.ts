export { createObserver } from "./create-observer.ts";
export type { ObserverHandler } from "./create-observer.ts";
export type { ObserverAction, ObserverAuthorize, ObserverOptions } from "./observer-options.ts";
export type { ObserverManifest } from "./source-index.ts";
export { toNodeHandler } from "./node-handler.ts";
export { contentSecurityPolicy } from "./responses.ts";
export { html, trusted, escapeHtml, Html } from "./html.ts";
