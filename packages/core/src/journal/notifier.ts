import type { ResolutionEvent } from "../model/index.ts";

/**
 * Wake-up hints. A journal publishes a topic (and an id) when work appears; engines and
 * clients listen to react at once instead of at the next poll. Hints may be lost, duplicated
 * or late: correctness never depends on them (polling is the source of truth).
 *
 * Adapters: in-process (EventEmitter) for the memory journal; LISTEN/NOTIFY for SQL.
 */
export interface Notifier {
  /** Subscribes to a topic; returns the unsubscribe function. */
  subscribe(topic: NotifyTopic, listener: (id: string) => void): () => void;
  close(): Promise<void>;
}

/** The closed set of hint topics. */
export const NotifyTopic = {
  /** A run became ready for a step (id: runId). */
  runReady: "run_ready",
  /** A task became due (id: taskId). */
  taskReady: "task_ready",
  /** A run reached a terminal status (id: runId). */
  runFinished: "run_finished",
  /** A timer was created (id: runId): the timer wheel may need to wake sooner. */
  timerSet: "timer_set",
  /**
   * A signal reached a run's inbox, with the item itself (payload: an {@link InboxHint} as
   * JSON, see {@link parseInboxHint}): the engine holding the run may deliver it without a
   * claim, and for everyone else it means what `run_ready` means for that run (it is sent
   * instead of it). Only journals that track run versions send it, and only for items small
   * enough for a hint; otherwise `run_ready` announces the run.
   */
  runInbox: "run_inbox",
} as const;
export type NotifyTopic = (typeof NotifyTopic)[keyof typeof NotifyTopic];

/** A `run_inbox` hint: one inbox item and the run row's version right after it arrived. */
export interface InboxHint {
  readonly runId: string;
  readonly inboxId: number;
  /** The run row's version written by the delivery (see StepCommit.runVersion). */
  readonly runVersion: string;
  readonly event: ResolutionEvent;
}

/** Reads a `run_inbox` payload; undefined for anything malformed (hints are never trusted blindly). */
export function parseInboxHint(payload: string): InboxHint | undefined {
  try {
    const hint = JSON.parse(payload) as {
      run?: unknown;
      id?: unknown;
      v?: unknown;
      kind?: unknown;
      body?: unknown;
    };
    if (typeof hint.run !== "string" || typeof hint.id !== "number" || typeof hint.v !== "string")
      return undefined;
    if (hint.kind !== "signal_received" || typeof hint.body !== "object" || hint.body === null)
      return undefined;
    const event = { ...(hint.body as Record<string, unknown>), kind: "signal_received" } as ResolutionEvent;
    return { runId: hint.run, inboxId: hint.id, runVersion: hint.v, event };
  } catch {
    return undefined;
  }
}
