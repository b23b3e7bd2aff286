import type { OperatorOrigin } from "@continuum/core";

// A fetch Request carries no peer address; the node adapter records it here (a WeakMap: an
// entry lives as long as its request).
const peers = new WeakMap<Request, string>();

/** Records the peer address of `request` (the node:http adapter calls it). */
export function recordPeerAddress(request: Request, address: string | undefined): void {
  if (address !== undefined && address !== "") peers.set(request, address);
}

/**
 * Where an action comes from, for the audit log: the Observer, the peer address the adapter saw
 * (not a forwarded-for header, which any client can write), the host it was addressed to and
 * the user agent, each cut to a sane length.
 */
export function requestOrigin(request: Request): OperatorOrigin {
  const cut = (value: string | null | undefined) =>
    value === null || value === undefined || value === "" ? undefined : value.slice(0, 256);
  const ip = cut(peers.get(request));
  const host = cut(new URL(request.url).host);
  const userAgent = cut(request.headers.get("user-agent"));
  return {
    via: "observer",
    ...(ip === undefined ? {} : { ip }),
    ...(host === undefined ? {} : { host }),
    ...(userAgent === undefined ? {} : { userAgent }),
  };
}
