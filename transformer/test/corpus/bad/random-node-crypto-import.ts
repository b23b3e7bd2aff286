import { workflow } from "@continuum/core";
import { randomUUID } from "node:crypto";

export const session = workflow("session", { version: 1 }, async (userId: string) => ({ userId, sessionId: randomUUID() }));
