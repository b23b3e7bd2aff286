import { workflow } from "@continuum/core";

export const maybeUuid = workflow("maybe-uuid", { version: 1 }, async () => globalThis.crypto?.randomUUID?.() ?? "none");
