import { workflow } from "@continuum/core";

export const ping = workflow("ping", { version: 1 }, async (url: string) => (await globalThis.fetch(url)).ok);
