import { readFileSync } from "node:fs";
import { securityHeaders } from "./responses.ts";

/** The files under the package's assets/ the handler serves, with their content types. */
const assetTypes: Record<string, string> = {
  "observer.css": "text/css; charset=utf-8",
  "observer.js": "text/javascript; charset=utf-8",
};

const cache = new Map<string, string>();

/** The response for `/assets/<name>`, or undefined for a name that is not one of ours. */
export function assetResponse(name: string): Response | undefined {
  const type = assetTypes[name];
  if (type === undefined) return undefined;
  let body = cache.get(name);
  if (body === undefined) {
    // ../assets from src/ (workspace) and from dist/ (published package) alike.
    body = readFileSync(new URL(`../assets/${name}`, import.meta.url), "utf8");
    cache.set(name, body);
  }
  return new Response(body, {
    headers: securityHeaders({ "content-type": type, "cache-control": "public, max-age=300" }),
  });
}
