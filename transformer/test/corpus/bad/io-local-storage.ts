import { workflow } from "@continuum/core";

export const prefs = workflow("prefs", { version: 1 }, async (key: string) => localStorage.getItem(key));
