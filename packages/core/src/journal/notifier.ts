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
} as const;
export type NotifyTopic = (typeof NotifyTopic)[keyof typeof NotifyTopic];
