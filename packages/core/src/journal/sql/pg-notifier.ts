import pg from "pg";
import { NotifyTopic, type Notifier } from "../notifier.ts";
import { channelName } from "./instance-schema.ts";

type Listener = (id: string) => void;

/** A notifier that can tell when its subscriptions are active (tests, and engines that want to start after it). */
export interface ListeningNotifier extends Notifier {
  /** Resolves once every subscription made so far is listening (or failed and is being retried). */
  listening(): Promise<void>;
}

/** Options of the server notifier's dedicated LISTEN connection. */
export interface PgNotifierOptions {
  /** How to reach the server (the pool's config works). */
  readonly connection: pg.ClientConfig;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`. Default 100. */
  readonly minBackoffMs?: number;
  /** Cap of the reconnect delay. Default 5000. */
  readonly maxBackoffMs?: number;
  /** Told about connection losses and failed reconnects (hints are best-effort; polling covers the gap). */
  readonly onError?: (error: unknown) => void;
  /**
   * How long a topic stays LISTENed after its last subscriber left. A client awaiting one run
   * result after another subscribes and unsubscribes `run_finished` per call; without the linger
   * each call costs a LISTEN and an UNLISTEN round trip. Default 10000.
   */
  readonly lingerMs?: number;
  /** The instance whose channels to listen on (`<schema>_run_ready`, ...). Default `continuum`. */
  readonly schema?: string;
}

/** Subscribers per topic, shared by both notifiers. */
class Subscribers {
  readonly #byTopic = new Map<NotifyTopic, Set<Listener>>();
  readonly #byChannel: ReadonlyMap<string, NotifyTopic>;
  readonly #schema: string | undefined;

  constructor(schema: string | undefined) {
    this.#schema = schema;
    this.#byChannel = new Map(Object.values(NotifyTopic).map((t) => [channelName(t, schema), t]));
  }

  channel(topic: NotifyTopic): string {
    return channelName(topic, this.#schema);
  }

  add(topic: NotifyTopic, listener: Listener): boolean {
    const set = this.#byTopic.get(topic) ?? new Set();
    this.#byTopic.set(topic, set);
    set.add(listener);
    return set.size === 1;
  }

  remove(topic: NotifyTopic, listener: Listener): boolean {
    const set = this.#byTopic.get(topic);
    return set !== undefined && set.delete(listener) && set.size === 0;
  }

  topics(): NotifyTopic[] {
    return [...this.#byTopic].filter(([, set]) => set.size > 0).map(([topic]) => topic);
  }

  dispatch(channel: string, id: string): void {
    const topic = this.#byChannel.get(channel);
    if (topic === undefined) return;
    for (const listener of [...(this.#byTopic.get(topic) ?? [])]) {
      try {
        listener(id);
      } catch {
        // A hint listener's failure must not stop the other listeners; hints are advisory.
      }
    }
  }
}

/**
 * Wake-up hints over LISTEN on one dedicated connection (a pooled connection would lose its
 * LISTENs when returned). When the connection drops it reconnects with capped, jittered
 * exponential backoff and re-LISTENs every subscribed topic; hints sent while it was down are
 * lost, which is fine because engines poll.
 *
 * @example
 * ```ts
 * const notifier = createPgNotifier({ connection: { connectionString: process.env.DATABASE_URL } });
 * const stop = notifier.subscribe(NotifyTopic.runReady, (runId) => wake(runId));
 * ```
 */
export function createPgNotifier(
  options: PgNotifierOptions,
): ListeningNotifier & { readonly connected: () => boolean } {
  const subscribers = new Subscribers(options.schema);
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;
  const lingerMs = options.lingerMs ?? 10_000;
  // Topics still LISTENed on `client` with no subscriber left, each with its UNLISTEN timer.
  const lingering = new Map<NotifyTopic, NodeJS.Timeout>();
  const stopLingering = (): void => {
    for (const timer of lingering.values()) clearTimeout(timer);
    lingering.clear();
  };
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    const settled = work
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => pending.delete(settled));
    pending.add(settled);
  };

  const quote = (channel: string): string => `"${channel.replaceAll('"', '""')}"`;

  const scheduleReconnect = (error: unknown): void => {
    if (closed || retryTimer !== undefined) return;
    options.onError?.(error);
    const ceiling = Math.min(maxBackoff, minBackoff * 2 ** failures);
    failures += 1;
    // Jitter (a random delay in the upper half of the ceiling): processes that lost the server
    // together do not all come back in the same millisecond.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void ensureConnected();
    }, delay);
    retryTimer.unref();
  };

  // One statement at a time on the LISTEN connection: subscribe/unsubscribe may be called in
  // bursts, and overlapping queries on one pg client are deprecated (refused from pg 9).
  let queue: Promise<unknown> = Promise.resolve();
  const serially = (target: pg.Client, text: string): Promise<unknown> => {
    const next = queue.then(() => target.query(text));
    queue = next.catch(() => {});
    return next;
  };

  const ensureConnected = (): Promise<void> => {
    if (closed || client !== undefined) return Promise.resolve();
    connecting ??= (async () => {
      const next = new pg.Client(options.connection);
      const lost = (error: unknown): void => {
        if (client === next) {
          client = undefined;
          stopLingering(); // a new connection LISTENs only the topics that have subscribers
        }
        next.removeAllListeners();
        next.on("error", () => {});
        void next.end().catch(() => {});
        scheduleReconnect(error);
      };
      next.on("error", lost);
      next.on("end", () => lost(new Error("LISTEN connection ended")));
      next.on("notification", (message) => subscribers.dispatch(message.channel, message.payload ?? ""));
      try {
        await next.connect();
        // Topics subscribed while we were connecting are picked up by the next pass.
        const listening = new Set<NotifyTopic>();
        for (
          let missing = subscribers.topics();
          missing.length > 0;
          missing = subscribers.topics().filter((t) => !listening.has(t))
        ) {
          for (const topic of missing) {
            await next.query(`LISTEN ${quote(subscribers.channel(topic))}`);
            listening.add(topic);
          }
        }
        if (closed) {
          next.removeAllListeners();
          await next.end().catch(() => {});
          return;
        }
        client = next;
        failures = 0;
      } catch (error) {
        lost(error);
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    subscribe(topic, listener) {
      if (subscribers.add(topic, listener)) {
        const linger = lingering.get(topic);
        if (linger !== undefined) {
          // Still LISTENed on the current connection: nothing to send.
          clearTimeout(linger);
          lingering.delete(topic);
        } else if (client === undefined) track(ensureConnected());
        else track(serially(client, `LISTEN ${quote(subscribers.channel(topic))}`));
      }
      return () => {
        if (!subscribers.remove(topic, listener) || client === undefined || closed) return;
        const listenedOn = client;
        const timer = setTimeout(() => {
          lingering.delete(topic);
          if (client !== listenedOn) return; // reconnected since: the new connection never LISTENed it
          serially(listenedOn, `UNLISTEN ${quote(subscribers.channel(topic))}`).catch((error: unknown) =>
            options.onError?.(error),
          );
        }, lingerMs);
        timer.unref();
        lingering.set(topic, timer);
      };
    },
    connected: () => client !== undefined,
    async listening() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      stopLingering();
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      await connecting;
      const current = client;
      client = undefined;
      if (current !== undefined) {
        current.removeAllListeners();
        current.on("error", () => {});
        await current.end().catch(() => {});
      }
    },
  };
}

/**
 * The part of a PGlite instance the notifier uses. Written out rather than imported so that
 * core's public declarations never load PGlite's own, which need DOM and Emscripten types an
 * app compiled for Node does not have; any `PGlite` instance fits it.
 */
export interface PgliteHandle {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  readonly closed: boolean;
}

/**
 * Wake-up hints on embedded PGlite through its own listen(): the same pg_notify calls, issued
 * in the same transactions, reach listeners of the same instance after commit.
 */
export function createPgliteNotifier(pglite: PgliteHandle, schema?: string): ListeningNotifier {
  const subscribers = new Subscribers(schema);
  const unlisten = new Map<NotifyTopic, Promise<() => Promise<void>>>();
  let closed = false;
  return {
    subscribe(topic, listener) {
      if (subscribers.add(topic, listener) && !closed) {
        const channel = subscribers.channel(topic);
        const stop = pglite.listen(channel, (payload) => subscribers.dispatch(channel, payload));
        stop.catch(() => {});
        unlisten.set(topic, stop);
      }
      return () => {
        if (!subscribers.remove(topic, listener)) return;
        const stop = unlisten.get(topic);
        unlisten.delete(topic);
        void stop?.then((fn) => fn()).catch(() => {});
      };
    },
    async listening() {
      await Promise.all([...unlisten.values()].map((stop) => stop.catch(() => {})));
    },
    async close() {
      closed = true;
      const stops = [...unlisten.values()];
      unlisten.clear();
      if (pglite.closed) return;
      await Promise.all(stops.map((stop) => stop.then((fn) => fn()).catch(() => {})));
    },
  };
}
