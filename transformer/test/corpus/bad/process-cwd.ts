import { workflow } from "@continuum/core";

export const where = workflow("where", { version: 1 }, async (file: string) => `${process.cwd()}/${file}`);
