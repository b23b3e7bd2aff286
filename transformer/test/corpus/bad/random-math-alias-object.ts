import { workflow } from "@continuum/core";

const m = Math;

export const jitter = workflow("jitter", { version: 1 }, async (base: number) => base + m.random() * 100);
