import { createHash } from "node:crypto";
import type {
  DeclaringWorkflow,
  InspectedRunDetail,
  InspectedRunsPage,
  InspectedTask,
  Inspector,
  RunCounts,
} from "@continuum/core";
import { pageLimit, readRunsFilters, toPageRequest, toRunsQuery } from "./runs-filters.ts";
import { securityHeaders } from "./responses.ts";

/** The runs page's state: its rows and the counts, hashed. */
export function runsFingerprint(page: InspectedRunsPage, counts: RunCounts): string {
  return digest([counts, page.runs.map((r) => [r.runId, r.status, r.lastSeq, r.updatedAt])]);
}

/** One run's state as its page shows it (status, history length, lease, queues, tasks), hashed. */
export function runFingerprint(detail: InspectedRunDetail, tasks: readonly InspectedTask[]): string {
  const { run } = detail;
  return digest([
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

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 16);
}

/**
 * What a live page watches, reduced to a hash that changes exactly when the page would: the
 * runs page's rows and counts, or one run's state and tasks.
 */
export async function fingerprint(
  inspector: Inspector,
  url: URL,
  workflows: readonly DeclaringWorkflow[] = [],
): Promise<string | undefined> {
  if (url.searchParams.get("page") === "run") {
    const detail = await inspector.run(url.searchParams.get("run") ?? "");
    if (detail === undefined) return undefined;
    return runFingerprint(detail, await inspector.tasks(detail.run.runId));
  }
  const filters = readRunsFilters(url);
  const [page, counts] = await Promise.all([
    inspector.runs(toPageRequest(filters, url, pageLimit(url), workflows)),
    inspector.counts(toRunsQuery(filters, workflows)),
  ]);
  return runsFingerprint(page, counts);
}

/**
 * A server-sent events stream: polls the read model every `intervalMs` and sends a `change`
 * event when the watched page differs from the state it was rendered with (its `fp` parameter:
 * a change between rendering and connecting counts too) (the page's script then fetches it again and patches
 * itself). Ends when the client goes away (the request's signal) or the stream is cancelled.
 */
export function liveEvents(
  inspector: Inspector,
  request: Request,
  url: URL,
  intervalMs: number,
  workflows: readonly DeclaringWorkflow[] = [],
): Response {
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
      let last =
        url.searchParams.get("fp") ?? (await fingerprint(inspector, url, workflows).catch(() => undefined));
      send(`retry: 3000\nevent: ready\ndata: ${Date.now()}\n\n`);
      let idleTicks = 0;
      const tick = async () => {
        if (closed) return;
        try {
          const current = await fingerprint(inspector, url, workflows);
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
      void tick();
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
