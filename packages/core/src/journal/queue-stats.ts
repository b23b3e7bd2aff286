// The queue gauges a journal reports for metrics (Journal.queueStats).

/** What waits in a journal's queues, for metrics (see `Journal.queueStats`). */
export interface QueueStats {
  /** The journal's clock when it was read (epoch ms): the age of the oldest item is now − its time. */
  readonly now: number;
  /**
   * Activity tasks due for an attempt and not running one: new, waiting for a retry whose time
   * has come, or abandoned by an attempt whose deadline passed. A backlog for the engines.
   */
  readonly dueTasks: number;
  /** Since when (epoch ms) the longest-waiting of them has been due; absent when none is. */
  readonly oldestDueTaskAt?: number;
  /** Activity tasks with an attempt running now (deadline not passed). */
  readonly runningTasks: number;
  /** Runs ready for a step (never stepped, or with undelivered inbox items) that no live lease holds. */
  readonly readyRuns: number;
}
