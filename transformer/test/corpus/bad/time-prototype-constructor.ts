import { workflow } from "@continuum/core";

export const viaPrototype = workflow("via-prototype", { version: 1 }, async () => Date.prototype.constructor.now());
