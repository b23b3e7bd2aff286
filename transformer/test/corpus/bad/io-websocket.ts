import { workflow } from "@continuum/core";

export const listen = workflow("listen", { version: 1 }, async (url: string) => {
  const ws = new WebSocket(url);
  return await new Promise<string>((resolve) => ws.addEventListener("message", (e) => resolve(String(e.data))));
});
