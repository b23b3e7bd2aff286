import { workflow } from "@continuum/core";

export const computed = workflow("computed", { version: 1 }, async (fn: "random" | "floor") => Math[fn](0.5));
