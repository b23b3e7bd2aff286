// The schedule types of the Journal port (journal.ts): schedules are stored, locked and fired by
// the journal, so that each fire time starts exactly one run across any number of engines.
import type { Encoded } from "../model/index.ts";

/**
 * What a fire does when the schedule's previous run is still open:
 * - `skip`: nothing (the fire is reported skipped);
 * - `buffer_one`: the fire waits until the previous run ends, then starts; at most one waits,
 *   later fires are skipped meanwhile;
 * - `allow`: starts anyway (runs of the schedule overlap);
 * - `cancel_other`: cancels the previous run, then starts.
 */
export type ScheduleOverlap = "skip" | "buffer_one" | "allow" | "cancel_other";

/** A schedule's timing and policies, as stored (normalized: durations in ms). */
export interface ScheduleSpec {
  /** A cron pattern (5 fields, or 6 with seconds first), read in `timezone`. Exactly one of cron / everyMs. */
  readonly cron?: string;
  /** A fixed interval: fires at every multiple of it since the Unix epoch (so every engine agrees). */
  readonly everyMs?: number;
  /** IANA time zone the cron pattern is read in (default UTC). */
  readonly timezone: string;
  readonly overlap: ScheduleOverlap;
  /**
   * After downtime, missed fire times no older than this (ms before now) still fire; older ones
   * are skipped (reported with reason `missed`). A fire less than a minute late always fires
   * (engines poll), so 0 means: no catch-up beyond that.
   */
  readonly catchupWindowMs: number;
  /** Each fire's run starts up to this many ms after its fire time, by a deterministic per-fire offset. */
  readonly jitterMs: number;
}

/** Why a fire time did not start a run. */
export type ScheduleSkipReason = "overlap" | "missed" | "duplicate";

/** A stored schedule, with its firing state. */
export interface ScheduleRecord {
  readonly namespace: string;
  readonly name: string;
  readonly spec: ScheduleSpec;
  /** Changes whenever the definition (spec, workflow, version, input) does. */
  readonly specHash: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: Encoded;
  readonly paused: boolean;
  /** The earliest fire time not handled yet (absent: the pattern has no future fire time). */
  readonly nextFireAt?: number;
  /** `buffer_one`: the fire time held back until the previous run ends. */
  readonly bufferedFireAt?: number;
  readonly lastFireAt?: number;
  /** The run the latest fire started: what overlap policies look at. */
  readonly lastRunId?: string;
  readonly firedCount: number;
  readonly skippedCount: number;
  readonly lastSkippedAt?: number;
  readonly lastSkipReason?: ScheduleSkipReason;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** See {@link Journal.upsertSchedule}. */
export interface UpsertScheduleRequest {
  readonly namespace: string;
  readonly name: string;
  readonly spec: ScheduleSpec;
  readonly specHash: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: Encoded;
  /** Set when given; a new schedule defaults to not paused, an existing one keeps its state. */
  readonly paused?: boolean;
  /** `create` throws ScheduleAlreadyExistsError when the name is taken; `upsert` (default) updates. */
  readonly mode?: "create" | "upsert" | "update";
}

/** What {@link Journal.upsertSchedule} did. */
export interface UpsertScheduleResult {
  readonly schedule: ScheduleRecord;
  readonly created: boolean;
  /** An existing schedule whose definition changed (its next fire time is computed anew). */
  readonly updated: boolean;
}

/** One fire time that started (or found) a run. */
export interface ScheduleFire {
  readonly namespace: string;
  readonly schedule: string;
  readonly fireAt: number;
  readonly workflowId: string;
  readonly runId: string;
  /** When the run may start: the fire time plus the fire's jitter. */
  readonly startAt: number;
  /** `backfill` and `trigger`: false when a run with the fire's id existed already. */
  readonly created: boolean;
}

/** One fire time that started no run. */
export interface ScheduleSkip {
  readonly namespace: string;
  readonly schedule: string;
  readonly fireAt: number;
  readonly reason: ScheduleSkipReason;
}

/** What a firing call did: the runs started and the fire times skipped, in fire-time order. */
export interface ScheduleFireResult {
  readonly fired: ScheduleFire[];
  readonly skipped: ScheduleSkip[];
}

/** See {@link Journal.fireDueSchedules}. */
export interface FireDueSchedulesRequest {
  /** Only schedules of this namespace; absent: every namespace. */
  readonly namespace?: string;
  /** At most this many schedules per call. */
  readonly limit: number;
}

/** See {@link Journal.fireSchedule}: `trigger` fires now, `backfill` every fire time in [fromMs, toMs]. */
export type FireScheduleRequest =
  | { readonly kind: "trigger"; readonly namespace: string; readonly name: string }
  | {
      readonly kind: "backfill";
      readonly namespace: string;
      readonly name: string;
      readonly fromMs: number;
      readonly toMs: number;
    };
