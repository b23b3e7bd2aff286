import { workflow } from "@continuum/core";

export const token = workflow("token", { version: 1 }, async () => globalThis.crypto.randomUUID());
