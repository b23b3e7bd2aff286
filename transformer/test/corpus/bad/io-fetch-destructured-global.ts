import { workflow } from "@continuum/core";

const { fetch: get } = globalThis;

export const mirror = workflow("mirror", { version: 1 }, async (url: string) => (await get(url)).status);
