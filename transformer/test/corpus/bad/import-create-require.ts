import { workflow } from "@continuum/core";
import { createRequire } from "node:module";

const requireFromHere = createRequire(import.meta.url);

export const config = workflow("config", { version: 1 }, async () => requireFromHere("./config.json") as unknown);
