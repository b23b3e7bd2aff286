import { workflow } from "@continuum/core";

export const where = workflow("where-is", { version: 1 }, async (pkg: string) => require.resolve(pkg));
