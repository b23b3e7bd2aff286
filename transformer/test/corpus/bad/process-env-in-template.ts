import { workflow } from "@continuum/core";

export const callbackUrl = workflow("callback-url", { version: 1 }, async (runId: string) => `https://${process.env.PUBLIC_HOST}/runs/${runId}`);
