import { workflow } from "@continuum/core";

const BOOTED_AT = Date.now();

export const uptime = workflow("uptime", { version: 1 }, async () => BOOTED_AT);
