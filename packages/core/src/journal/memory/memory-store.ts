import type { ResolutionEvent } from "../../model/index.ts";
import type { Encoded } from "../../model/payload.ts";
import { isTerminal } from "../../model/run-status.ts";
import type { Clock } from "../clock.ts";
import type { RunQueueConfig } from "../run-queue-types.ts";
import type { ScheduleRecord } from "../schedule-types.ts";
import { NotifyTopic } from "../notifier.ts";
import type { MemoryNotifier } from "./memory-notifier.ts";
import type { RunRow, TaskRow, TimerRow } from "./memory-rows.ts";
import type { OperatorActionRecord } from "../journal-admin.ts";

/**
 * The memory journal's tables. Every journal method validates first and mutates after, with
 * no `await` in between, so each call is atomic the way one SQL transaction is.
 */
export class MemoryStore {
  readonly runs = new Map<string, RunRow>();
  /** `namespace \0 workflowId` -> runId of the run last created with that id (a successor, or a new run once earlier ones closed). */
  readonly byWorkflowId = new Map<string, string>();
  /** parentRunId -> run ids linked to it (children and their successors), so a parent's end finds them without a scan. */
  readonly childrenOf = new Map<string, string[]>();
  readonly tasks = new Map<string, TaskRow>();
  /** Finished tasks, kept for the read model only (SQL keeps them as completed/failed rows). */
  readonly finishedTasks = new Map<string, TaskRow>();
  /** `runId \0 identity` -> timer. */
  readonly timers = new Map<string, TimerRow>();
  /** `activityName \0 idempotencyKey` -> stored result. */
  readonly idempotentResults = new Map<string, Encoded>();
  /** The operator audit log, oldest first (memory-admin.ts). */
  readonly operatorActions: OperatorActionRecord[] = [];
  /** Run queues by name (defineQueues). */
  readonly queues = new Map<string, RunQueueConfig>();
  /** Attempt starts (epoch ms) of rate-limited activity queues, pruned to the window on each claim. */
  readonly queueAttemptStarts = new Map<string, number[]>();
  /** `namespace \0 name` -> schedule. */
  readonly schedules = new Map<string, ScheduleRecord>();
  /** Firing calls one at a time (a firing call awaits between its reads and writes). */
  scheduleLock: Promise<unknown> = Promise.resolve();
  #counter = 0;

  readonly clock: Clock;
  readonly notifier: MemoryNotifier;

  constructor(clock: Clock, notifier: MemoryNotifier) {
    this.clock = clock;
    this.notifier = notifier;
  }

  /** Monotonic per journal: inbox ids, creation order of runs, tasks and timers. */
  nextOrder(): number {
    return ++this.#counter;
  }

  /** Appends a resolution to a run's inbox (skipped for finished runs, which never step again). */
  pushInbox(run: RunRow, event: ResolutionEvent, now: number): void {
    if (isTerminal(run.status)) return;
    // A delivery makes a delayed start ready (as ready_since does in SQL); notBefore still holds it.
    run.awaitingStart = false;
    // A run that stepped inside its eager window is deferred by it only while it has nothing
    // to do (as notBeforeAfterDelivery in SQL); a run holding a lease has no other deferral.
    if (run.leaseOwner !== undefined && run.lastSeq > 1 && run.notBefore !== undefined && run.notBefore > now)
      run.notBefore = undefined;
    run.inbox.push({
      id: this.nextOrder(),
      runId: run.runId,
      event: structuredClone(event),
      receivedAt: now,
    });
    this.notifier.publish(NotifyTopic.runReady, run.runId);
  }

  /** Key of the chain that a workflow id names in a namespace. */
  static workflowKey(namespace: string, workflowId: string): string {
    return `${namespace}\u0000${workflowId}`;
  }

  /** Timers are unique per (run, identity). */
  static timerKey(runId: string, identity: string): string {
    return `${runId}\u0000${identity}`;
  }

  /** Stored results are unique per (activity name, idempotency key). */
  static idempotencyKey(activityName: string, key: string): string {
    return `${activityName}\u0000${key}`;
  }
}
