import { workflow } from "@continuum/core";
import http from "http";

export const server = workflow("server", { version: 1 }, async () => {
  http.createServer().listen(0);
  return "listening";
});
