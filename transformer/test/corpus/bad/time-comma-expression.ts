import { workflow } from "@continuum/core";

export const comma = workflow("comma", { version: 1 }, async () => new (0, Date)().getTime());
