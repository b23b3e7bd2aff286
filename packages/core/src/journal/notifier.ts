/**
 * Wake-up hints. A journal publishes a topic (and an id) when work appears; engines and
 * clients listen to react at once instead of at the next poll. Hints may be lost, duplicated
 * or late: correctness never depends on them (polling is the source of truth).
 *
 * What a hint may carry: identifiers the journal generated itself (run ids and task ids, which
 * are UUIDs) and integers (inbox item ids, row versions). Never a payload, a workflow id (users
 * choose those, and an email address is a fine workflow id), a workflow or activity name, an
 * error or an attribute. On PostgreSQL any role that can connect may LISTEN on any channel
 * (LISTEN checks no privilege), so a hint is public to everyone with a login on the database;
 * whoever needs more reads it with its own privileges (see {@link Journal.readInboxItem}).
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
  /**
   * A run was started into a queue (id: runId): engines serving queues dequeue. Not `run_ready`,
   * which would send every engine's workflow loop to claim a run no claim can take yet.
   */
  runQueued: "run_queued",
  /** A task became due (id: taskId). */
  taskReady: "task_ready",
  /** A run reached a terminal status (id: runId). */
  runFinished: "run_finished",
  /** A timer was created (id: runId): the timer wheel may need to wake sooner. */
  timerSet: "timer_set",
  /**
   * A signal reached a run's inbox (payload: an {@link InboxHint}, see {@link formatInboxHint}:
   * the run id, the item's id and the run row's version after the delivery; never the signal
   * itself). The engine holding the run reads the item ({@link Journal.readInboxItem}) and steps
   * the run without a claim; for everyone else it means what `run_ready` means for that run (it
   * is sent instead of it). Only journals that track run versions send it.
   */
  runInbox: "run_inbox",
} as const;
export type NotifyTopic = (typeof NotifyTopic)[keyof typeof NotifyTopic];

/** A `run_inbox` hint: which inbox item arrived, and the run row's version right after it did. */
export interface InboxHint {
  readonly runId: string;
  readonly inboxId: number;
  /** The run row's version written by the delivery (see StepCommit.runVersion). */
  readonly runVersion: string;
}

/**
 * The `run_inbox` payload: `<runId>:<inboxId>:<runVersion>`. The SQL journal builds the same
 * text inside its statement (send-signal.ts); this is its single definition on the JS side.
 */
export function formatInboxHint(hint: InboxHint): string {
  return `${hint.runId}:${hint.inboxId}:${hint.runVersion}`;
}

/** `<runId>:<inboxId>:<runVersion>`; the run id is whatever precedes the last two fields. */
const inboxHintPattern = /^([^:\s]{1,200}):([0-9]{1,18}):([0-9]{1,20})$/;

/**
 * Reads a `run_inbox` payload; undefined for anything malformed, including the older form that
 * carried the item as JSON (hints are never trusted blindly: a hint that is not understood
 * announces a ready run, and a claim delivers it).
 */
export function parseInboxHint(payload: string): InboxHint | undefined {
  const match = inboxHintPattern.exec(payload);
  if (match === null) return undefined;
  const inboxId = Number(match[2]);
  if (!Number.isSafeInteger(inboxId)) return undefined;
  return { runId: match[1] as string, inboxId, runVersion: match[3] as string };
}
