import { workflow } from "@continuum/core";
import { rand } from "../support/index.ts";

export const coin = workflow("coin", { version: 1 }, async () => (rand() > 0.5 ? "heads" : "tails"));
