import { workflow } from "@continuum/core";

export const cli = workflow("cli", { version: 1 }, async () => process.argv.slice(2).join(" "));
