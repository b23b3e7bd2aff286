import { workflow } from "@continuum/core";

export const pick = workflow("pick", { version: 1 }, async (options: string[]) => options[Math["random"]() > 0.5 ? 0 : 1]);
