import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { ObserverHandler } from "./create-observer.ts";
import { recordPeerAddress } from "./request-origin.ts";

/**
 * Adapts a fetch-style handler to node:http (and to Express, which passes the same objects):
 * builds a `Request` from the incoming message (its URL from the Host header, or `origin`),
 * streams the `Response` back, and aborts the request's signal when the client goes away (so a
 * live-updates stream stops polling).
 *
 * @example
 * ```ts
 * createServer(toNodeHandler(createObserver({ journal }))).listen(4000);
 * ```
 */
export function toNodeHandler(
  handler: ObserverHandler,
  options: { readonly origin?: string } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    // Express sets originalUrl when the app is mounted under a path; the Observer wants it whole.
    const origin = options.origin ?? `http://${req.headers.host ?? "localhost"}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    const method = req.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(
      new URL((req as { originalUrl?: string }).originalUrl ?? req.url ?? "/", origin),
      {
        method,
        headers,
        signal: abort.signal,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
      } as RequestInit,
    );
    recordPeerAddress(request, req.socket.remoteAddress);
    handler(request)
      .then(async (response) => {
        const outgoing: Record<string, string | string[]> = {};
        response.headers.forEach((value, name) => {
          if (name === "set-cookie") return;
          outgoing[name] = value;
        });
        const cookies = response.headers.getSetCookie();
        if (cookies.length > 0) outgoing["set-cookie"] = cookies;
        res.writeHead(response.status, outgoing);
        if (response.body === null || method === "HEAD") {
          res.end();
          return;
        }
        if (response.headers.get("content-type")?.startsWith("text/event-stream") === true)
          res.flushHeaders();
        const reader = response.body.getReader();
        abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), {
          once: true,
        });
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          res.write(value);
        }
        res.end();
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        // The error itself may name internals; the host's logs get it, the page does not.
        res.end("internal error");
        if (!abort.signal.aborted) console.error("@continuum/observer:", error);
      });
  };
}
