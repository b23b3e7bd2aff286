import type { EffectIdentity } from "./identity.ts";
import type { Encoded, SerializedError } from "./payload.ts";
import type { ResolvedActivityOptions } from "./activity-options.ts";
import type { WorkflowIdReusePolicy } from "./workflow-id-reuse-policy.ts";

/**
 * The journal of one run is a sequence of history events, numbered from 1 with no gap.
 *
 * Three families:
 * - lifecycle: `run_started` (always seq 1), `run_completed`, `run_failed`, `run_cancelled`,
 *   `run_continued`;
 * - command events: written by the lease holder when the workflow code issued an effect
 *   (`activity_scheduled`, `timer_started`, `signal_wait_started`, `value_recorded`, ...);
 * - resolution events: things that happened to the run (`activity_completed`, `timer_fired`,
 *   `signal_received`, ...). They first land in the run's inbox (written by anyone: an activity
 *   worker, the timer wheel, a client) and are moved into history by the lease holder, in the
 *   order it delivered them to the live execution. That order is what replay reproduces.
 */
export type HistoryEventBody = LifecycleEvent | CommandEvent | ResolutionEvent;

/** A history event as stored: its body plus its place in the run's journal. */
export type HistoryEvent = HistoryEventBody & {
  /** 1-based, gap-free, per run. */
  readonly seq: number;
  /** When it was appended, by the journal's clock (epoch ms). */
  readonly at: number;
};

export type LifecycleEvent =
  | {
      readonly kind: "run_started";
      readonly workflowName: string;
      readonly versionHash: string;
      readonly input: Encoded;
    }
  | { readonly kind: "run_completed"; readonly result: Encoded }
  | { readonly kind: "run_failed"; readonly error: SerializedError }
  | { readonly kind: "run_cancelled"; readonly reason?: string }
  | {
      readonly kind: "run_continued";
      readonly nextRunId: string;
      readonly input: Encoded;
      /** Signals the run received but never took; the journal puts them in the successor's inbox first. */
      readonly carriedSignals?: readonly CarriedSignal[];
    };

/** A signal handed from a run that continues as new to its successor. */
export interface CarriedSignal {
  readonly name: string;
  readonly payload: Encoded;
  readonly deliveryId?: string;
}

export type CommandEvent =
  | {
      readonly kind: "activity_scheduled";
      readonly identity: EffectIdentity;
      readonly activityName: string;
      readonly args: Encoded;
      readonly options: ResolvedActivityOptions;
    }
  | {
      readonly kind: "timer_started";
      readonly identity: EffectIdentity;
      /** Exactly one of delayMs (sleep) and until (sleepUntil, epoch ms) is set. */
      readonly delayMs?: number;
      readonly until?: number;
    }
  | {
      readonly kind: "signal_wait_started";
      readonly identity: EffectIdentity;
      readonly name: string;
      /** When set, a timer with the same identity decides the timeout. */
      readonly timeoutMs?: number;
    }
  | {
      /** now(), today(), uuid4(), random(), sideEffect(), patched(): the value is recorded once. */
      readonly kind: "value_recorded";
      readonly identity: EffectIdentity;
      readonly value: Encoded;
    }
  | {
      /**
       * child()/startChild(): a child run is created in the same commit as this event. Its
       * terminal outcome comes back as `child_completed` / `child_failed` with this identity.
       */
      readonly kind: "child_started";
      readonly identity: EffectIdentity;
      readonly workflowName: string;
      /** The child's workflow id: given by the call, or `<parent run id>/<identity>`. */
      readonly workflowId: string;
      /** The child's first run; filled in by the engine when it commits (the execution leaves it out). */
      readonly runId?: string;
      readonly versionHash: string;
      readonly input: Encoded;
      /** What happens to the child when the parent run ends first. */
      readonly parentClosePolicy: ParentClosePolicy;
      /** The child id's reuse policy; absent: the default, `allowAfterClosed`. */
      readonly idReusePolicy?: WorkflowIdReusePolicy;
    }
  | {
      /**
       * setAttributes(): the run's search attributes change in the same commit as this event
       * (each name set to its value, a null value removes the name); replay reads the values
       * from here and writes nothing again.
       */
      readonly kind: "attributes_set";
      readonly identity: EffectIdentity;
      readonly attributes: Readonly<Record<string, Encoded>>;
    };

/**
 * What ending a parent run does to its children still running: `"cancel"` puts a cancellation
 * in their inboxes (in the parent's final commit), `"abandon"` lets them run on alone.
 */
export type ParentClosePolicy = "cancel" | "abandon";

export type ResolutionEvent =
  | {
      readonly kind: "activity_completed";
      readonly identity: EffectIdentity;
      readonly result: Encoded;
      readonly attempts: number;
    }
  | {
      readonly kind: "activity_failed";
      readonly identity: EffectIdentity;
      readonly error: SerializedError;
      readonly attempts: number;
    }
  | {
      /** A sleep ended, or a signal wait with this identity timed out. */
      readonly kind: "timer_fired";
      readonly identity: EffectIdentity;
    }
  | {
      /** Goes to the run's mailbox; the first waiter for `name` (in journal order) takes it. */
      readonly kind: "signal_received";
      readonly name: string;
      readonly payload: Encoded;
      readonly deliveryId?: string;
    }
  | {
      readonly kind: "cancel_requested";
      readonly reason?: string;
      /** `cancel(run, { force: true })`: the run ends at once, no more of its code runs. */
      readonly force?: true;
    }
  | {
      /** The child started by the `child_started` event with this identity completed (its chain's last run). */
      readonly kind: "child_completed";
      readonly identity: EffectIdentity;
      readonly result: Encoded;
    }
  | {
      /** The child failed, was cancelled, or could not be created (its workflow id was taken). */
      readonly kind: "child_failed";
      readonly identity: EffectIdentity;
      readonly error: SerializedError;
    };

export type HistoryEventKind = HistoryEventBody["kind"];
export type ResolutionEventKind = ResolutionEvent["kind"];
export type CommandEventKind = CommandEvent["kind"];

/** True for events that the lease holder writes because the code issued a command. */
export function isCommandEvent(event: HistoryEventBody): event is CommandEvent {
  switch (event.kind) {
    case "activity_scheduled":
    case "timer_started":
    case "signal_wait_started":
    case "value_recorded":
    case "child_started":
    case "attributes_set":
      return true;
    case "run_started":
    case "run_completed":
    case "run_failed":
    case "run_cancelled":
    case "run_continued":
    case "activity_completed":
    case "activity_failed":
    case "timer_fired":
    case "signal_received":
    case "cancel_requested":
    case "child_completed":
    case "child_failed":
      return false;
    default:
      return assertNever(event);
  }
}

/** Exhaustiveness guard for `switch` over closed unions. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
