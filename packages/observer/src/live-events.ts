import type { Inspector } from "@continuum/core";
import { readRunsFilters, toPageRequest, toRunsQuery } from "./runs-filters.ts";
import { securityHeaders } from "./responses.ts";

/**
 * What a live page watches, reduced to a string that changes exactly when the page would: the
 * runs page's rows and counts, or one run's state, tasks and inbox.
 */
export async function fingerprint(inspector: Inspector, url: URL): Promise<string | undefined> {
  if (url.searchParams.get("page") === "run") {
    const runId = url.searchParams.get("run") ?? "";
    const detail = await inspector.run(runId);
    if (detail === undefined) return undefined;
    const tasks = detail.openTasks > 0 || detail.run.status === "running" ? await inspector.tasks(detail.run.runId) : [];
    const { run } = detail;
    return JSON.stringify([
      run.status,
      run.lastSeq,
      run.updatedAt,
      run.leaseOwner ?? null,
      detail.pendingInbox,
      detail.pendingTimers,
      detail.openTasks,
      detail.children,
      tasks.map((t) => [t.taskId, t.status, t.attempt, t.heartbeatAt ?? null]),
    ]);
  }
  const filters = readRunsFilters(url);
  const limitParam = Number(url.searchParams.get("limit"));
  const limit = Number.isInteger(limitParam) && limitParam >= 1 && limitParam <= 500 ? limitParam : 50;
  const [page, counts] = await Promise.all([
    inspector.runs(toPageRequest(filters, url, limit)),
    inspector.counts(toRunsQuery(filters)),
  ]);
  return JSON.stringify([counts, page.runs.map((r) => [r.runId, r.status, r.lastSeq, r.updatedAt])]);
}

/**
 * A server-sent events stream: polls the read model every `intervalMs` and sends a `change`
 * event when the watched page changed (the page's script then fetches it again and patches
 * itself). Ends when the client goes away (the request's signal) or the stream is cancelled.
 */
export function liveEvents(inspector: Inspector, request: Request, url: URL, intervalMs: number): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const close = () => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        try {
          controller.close();
        } catch {
          // already closed by the consumer
        }
      };
      request.signal.addEventListener("abort", close, { once: true });
      let last = await fingerprint(inspector, url).catch(() => undefined);
      send(`retry: 3000\nevent: ready\ndata: ${Date.now()}\n\n`);
      let idleTicks = 0;
      const tick = async () => {
        if (closed) return;
        try {
          const current = await fingerprint(inspector, url);
          if (current !== last) {
            last = current;
            send(`event: change\ndata: ${Date.now()}\n\n`);
            idleTicks = 0;
          } else if (++idleTicks * intervalMs >= 15_000) {
            // A comment keeps proxies from closing an idle stream.
            send(`: keep-alive\n\n`);
            idleTicks = 0;
          }
        } catch {
          // The journal may be briefly unreachable; the next tick tries again.
        }
        if (!closed) timer = setTimeout(tick, intervalMs);
      };
      timer = setTimeout(tick, intervalMs);
    },
    cancel() {
      closed = true;
      clearTimeout(timer);
    },
  });
  return new Response(stream, {
    headers: securityHeaders({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    }),
  });
}
