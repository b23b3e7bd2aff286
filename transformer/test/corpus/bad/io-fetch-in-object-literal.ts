import { workflow } from "@continuum/core";

const http = { get: fetch };

export const viaObject = workflow("via-object", { version: 1 }, async (url: string) => (await http.get(url)).status);
