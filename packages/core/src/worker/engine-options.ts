import type { Journal } from "../journal/journal.ts";
import type { LogOptions } from "../logging/resolve-engine-log.ts";
import type { QueueDefinition } from "../queue/define-queue.ts";
import type { ScheduleDefinition } from "../schedules/define-schedule.ts";
import type { AnyWorkflowDefinition, AnyActivityDefinition } from "./definition-info.ts";
import type { Instrumentation } from "./instrumentation.ts";

/** Options of `createEngine`; everything but `journal` and `workflows` has a default. */
export interface EngineOptions extends LogOptions {
  readonly journal: Journal;
  /** Workflows this engine runs; it claims only runs of these names. */
  readonly workflows: readonly AnyWorkflowDefinition[];
  /** Activities this engine runs; it claims only tasks of these names. */
  readonly activities?: readonly AnyActivityDefinition[];
  /** Lease owner id; unique per engine. Default `host:pid:random`. */
  readonly owner?: string;
  /**
   * The engine's home namespace: it claims runs started in it, creates its declared schedules
   * there and sweeps retention there. Default the first of `namespaces`, else `"default"`.
   */
  readonly namespace?: string;
  /**
   * Namespaces this engine serves (claims runs of, fires schedules of, reports unserved and
   * unknown-version runs of), e.g. one pool of engines for `["billing", "billing-eu"]`.
   * Default `[namespace]`. Must include `namespace` when both are given.
   *
   * @example
   * ```ts
   * createEngine({ journal, workflows, namespaces: ["billing", "billing-eu"] });
   * ```
   */
  readonly namespaces?: readonly string[];
  /**
   * Parallel workflow steps and activity attempts. Defaults 100 and 100: a run in flight beyond
   * them is started for any engine to claim, and its attempts go through the task queue (more
   * statements per step). Lower `activities` for CPU-heavy activities.
   */
  readonly concurrency?: { readonly workflows?: number; readonly activities?: number };
  /** Run lease duration; cached runs are renewed every third of it. Default 30 s. */
  readonly leaseMs?: number;
  /** Longest pause between two polls of each loop (hints wake them sooner). Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Sticky executions kept in memory (LRU). 0 replays every step. Default 1000. */
  readonly cacheSize?: number;
  /** Upper bound on a graceful stop's wait for in-flight work. Default 10 s. */
  readonly shutdownTimeoutMs?: number;
  /**
   * How long a drifted run (its history no longer matches this code) is left alone before it is
   * replayed again. The deferral is kept in the journal, so every engine waits it out and the run
   * gives up its place in the ready order; deploying matching code takes effect after it. Default 60 s.
   */
  readonly driftBackoffMs?: number;
  /**
   * Deferral of a run whose step failed with an engine error (a database hiccup, a bug):
   * `initialMs` after the first failure, doubling per consecutive failure up to `maxMs`, so a
   * broken run cannot keep the engine in a claim/fail loop. Defaults 1 s and 60 s.
   */
  readonly stepErrorBackoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * Content-addressed dispatch: this engine replays a run only with the workflow version (hash)
   * the run started with, and new runs start on the highest `version` registered. A ready run of
   * one of this engine's workflows, in a version it lacks, that no engine with that version took
   * for this long, is marked `stuck_unknown_version` (never failed, never replayed on other
   * code); any engine that has the version takes it back. Keep it above a few poll intervals so
   * that, in a rolling deploy, the engines that have the version get to it first. Default 30 s.
   */
  readonly unknownVersionAfterMs?: number;
  /**
   * Sticky fast path. When a run this engine keeps cached schedules an activity this engine
   * has code and a free slot for, the task is created claimed by this engine in the step's own
   * transaction and runs here at once; its result goes straight to the cached execution, and
   * the run's next step commits it (one transaction per activity step, no task poll, no inbox
   * hop). Whenever that is not possible the normal path takes over, so no result is lost.
   * `false` sends every task through the journal's task queue. Default true.
   */
  readonly stickyActivities?: boolean;
  /**
   * Ready runs of a workflow this engine does not register that nobody took for this long are
   * reported (`workflow.unserved`, a warning line): no engine in the namespace runs that
   * workflow. Checked every half of it; 0 disables the check. Default 60 s.
   */
  readonly unservedWorkflowAfterMs?: number;
  /**
   * Tracing and metrics hooks (e.g. `continuumOtel()` from `@continuum/otel`): the engine calls
   * its `attach` with its events, wraps activity attempts with its `activity` hook, and asks it
   * for children's trace contexts. Absent: none of that costs anything.
   */
  readonly instrumentation?: Instrumentation;
  /**
   * Named run queues (`defineQueue`) this engine dequeues from: their limits are stored in the
   * journal when the engine starts, and the engine moves runs from their backlogs to ready
   * within those limits (any engine of the namespace then claims them). A queue no engine lists
   * is never dequeued. See guides/queues.md.
   */
  readonly queues?: readonly QueueDefinition[];
  /**
   * Retention of closed runs for the workflows this engine registers (see
   * `WorkflowOptions.retention`): `defaultMs` applies to those that set none (absent: they are
   * kept forever). Every `intervalMs` (default 10 min) the engine deletes, per workflow, closed
   * run trees older than their retention, `batchSize` runs per transaction (default 500), at most
   * `maxBatches` per workflow and round (default 20), and emits `retention.deleted`. Engines never
   * sweep workflows they do not register, so a workflow's retention is decided by the code that
   * runs it. Several engines sweeping at once is safe (each batch locks and re-checks its runs).
   * An engine serving several namespaces sweeps each; `byNamespace` sets a namespace's own
   * default (in place of `defaultMs`; a workflow's own `retention` still wins), e.g.
   * `{ defaultMs: days(90), byNamespace: { trial: days(7) } }`.
   */
  readonly retention?: {
    readonly defaultMs?: number;
    /** Default retention (ms) per served namespace, in place of `defaultMs` there. */
    readonly byNamespace?: Readonly<Record<string, number>>;
    readonly intervalMs?: number;
    readonly batchSize?: number;
    readonly maxBatches?: number;
  };
  /**
   * Monthly history partitions: on start and every `intervalMs` (default 1 h) the engine makes
   * sure the partitions of the database clock's month and the next `monthsAhead - 1` months
   * exist (default 3; `false` turns it off). Cheap when nothing is missing (catalogue lookups);
   * with many engines one does it and the others skip (advisory lock). It never converts rows
   * sitting in the default partition: that is `continuum partitions ensure`'s job.
   *
   * With `dropUnused` (default true) the same pass drops past months' partitions that hold no
   * row any more, once retention or `continuum cleanup` deleted their runs (one cheap probe per
   * past month; `partitions.dropped` reports each drop). The current and coming months, and any
   * month a run still has history in, are never dropped.
   */
  readonly partitions?:
    false | { readonly monthsAhead?: number; readonly intervalMs?: number; readonly dropUnused?: boolean };
  /**
   * Handle SIGTERM and SIGINT: the first one stops the engine gracefully (see {@link Engine.stop},
   * within `shutdownTimeoutMs`), logs what the drain did, closes the journal and exits the process
   * (code 0, or 1 when the stop failed); a second signal exits at once. For a worker process
   * whose only job is this engine. Default false: call `engine.stop()` from your own handler.
   */
  readonly handleSignals?: boolean;
  /**
   * Schedules declared in code (`defineSchedule`): created in the engine's namespace when it
   * starts, or updated when their definition changed (an unchanged one is left as it is, its
   * paused state included). Every engine fires due schedules of its namespace, whichever
   * declared them; the journal makes each fire time start exactly one run.
   */
  readonly schedules?: readonly ScheduleDefinition[];
}
