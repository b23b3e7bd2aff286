import { workflow } from "@continuum/core";

export const formula = workflow("formula", { version: 1 }, async (expression: string) => eval(expression) as number);
