import type { StartRunRequest, StartRunResult } from "./journal-types.ts";
import { fireTimesBetween, fireWorkflowId, jitterOf, nextFireAfter } from "./schedule-plan.ts";
import type {
  ScheduleFire,
  ScheduleFireResult,
  ScheduleRecord,
  ScheduleSkip,
  ScheduleSkipReason,
} from "./schedule-types.ts";

/**
 * What firing needs from one journal transaction that holds the schedule's row: the journal
 * clock, the state of the schedule's previous run, and run starts / cancellations in the same
 * transaction (so the runs and the schedule's new state commit together or not at all).
 */
export interface ScheduleFiringOps {
  readonly now: number;
  isRunOpen(runId: string): Promise<boolean>;
  startRun(request: StartRunRequest): Promise<StartRunResult>;
  cancelRun(runId: string, reason: string): Promise<void>;
}

/** The schedule's firing state after a firing call: what the adapter writes back to its row. */
export interface ScheduleState {
  nextFireAt: number | undefined;
  bufferedFireAt: number | undefined;
  lastFireAt: number | undefined;
  lastRunId: string | undefined;
  firedCount: number;
  skippedCount: number;
  lastSkippedAt: number | undefined;
  lastSkipReason: ScheduleSkipReason | undefined;
}

/**
 * How late a fire may always be and still fire, whatever the catch-up window: engines notice a
 * due fire on their next poll, so every fire is a little late.
 */
export const fireGraceMs = 60_000;

/** Most fire times one call enumerates (downtime of years on a per-second schedule stays bounded). */
const maxFireTimes = 10_000;
/** Most skipped fire times one call lists (all are counted in skippedCount). */
const maxReportedSkips = 100;

/** The state as stored in a schedule record. */
export function stateOf(schedule: ScheduleRecord): ScheduleState {
  return {
    nextFireAt: schedule.nextFireAt,
    bufferedFireAt: schedule.bufferedFireAt,
    lastFireAt: schedule.lastFireAt,
    lastRunId: schedule.lastRunId,
    firedCount: schedule.firedCount,
    skippedCount: schedule.skippedCount,
    lastSkippedAt: schedule.lastSkippedAt,
    lastSkipReason: schedule.lastSkipReason,
  };
}

/** A firing call in progress: applies the schedule's overlap policy fire by fire. */
class Firing {
  readonly fired: ScheduleFire[] = [];
  readonly skipped: ScheduleSkip[] = [];
  readonly state: ScheduleState;
  readonly schedule: ScheduleRecord;
  readonly ops: ScheduleFiringOps;

  constructor(schedule: ScheduleRecord, ops: ScheduleFiringOps) {
    this.schedule = schedule;
    this.ops = ops;
    this.state = stateOf(schedule);
  }

  result(): ScheduleFireResult {
    return { fired: this.fired, skipped: this.skipped };
  }

  async previousOpen(): Promise<boolean> {
    return this.state.lastRunId !== undefined && (await this.ops.isRunOpen(this.state.lastRunId));
  }

  skip(fireAt: number, reason: ScheduleSkipReason): void {
    this.state.skippedCount += 1;
    this.state.lastSkippedAt = fireAt;
    this.state.lastSkipReason = reason;
    if (this.skipped.length < maxReportedSkips)
      this.skipped.push({ namespace: this.schedule.namespace, schedule: this.schedule.name, fireAt, reason });
  }

  /** Starts the fire's run (deterministic id: a fire that has its run already starts nothing). */
  async start(fireAt: number, track: boolean): Promise<void> {
    const { schedule } = this;
    const workflowId = fireWorkflowId(schedule.name, fireAt);
    const jitter = jitterOf(schedule.name, fireAt, schedule.spec.jitterMs);
    const started = await this.ops.startRun({
      namespace: schedule.namespace,
      workflowId,
      workflowName: schedule.workflowName,
      versionHash: schedule.versionHash,
      input: schedule.input,
      idReusePolicy: "reject",
      onConflict: "return",
      ...(jitter > 0 ? { startAt: fireAt + jitter } : {}),
    });
    if (!started.created) {
      this.skip(fireAt, "duplicate");
      return;
    }
    this.state.firedCount += 1;
    if (track) {
      this.state.lastRunId = started.run.runId;
      this.state.lastFireAt = Math.max(this.state.lastFireAt ?? fireAt, fireAt);
    }
    this.fired.push({
      namespace: schedule.namespace,
      schedule: schedule.name,
      fireAt,
      workflowId,
      runId: started.run.runId,
      startAt: fireAt + jitter,
      created: true,
    });
  }

  /** One fire time under the overlap policy, against the schedule's previous run. */
  async fire(fireAt: number): Promise<void> {
    const overlap = this.schedule.spec.overlap;
    if (overlap === "allow" || !(await this.previousOpen())) return this.start(fireAt, true);
    if (overlap === "skip") return this.skip(fireAt, "overlap");
    if (overlap === "cancel_other") {
      await this.ops.cancelRun(
        this.state.lastRunId as string,
        `cancelled by schedule ${this.schedule.name} (overlap cancel_other)`,
      );
      return this.start(fireAt, true);
    }
    if (this.state.bufferedFireAt === undefined) this.state.bufferedFireAt = fireAt;
    else this.skip(fireAt, "overlap");
  }
}

/**
 * Fires what is due for a schedule whose row the caller holds: first a buffered fire whose
 * previous run has ended, then every fire time up to now: those older than the catch-up window
 * are skipped (`missed`), the rest go through the overlap policy. Advances nextFireAt past now.
 */
export async function fireDue(
  schedule: ScheduleRecord,
  ops: ScheduleFiringOps,
): Promise<{ result: ScheduleFireResult; state: ScheduleState }> {
  const firing = new Firing(schedule, ops);
  const { state } = firing;
  const buffered = state.bufferedFireAt;
  if (buffered !== undefined && !(await firing.previousOpen())) {
    state.bufferedFireAt = undefined;
    await firing.start(buffered, true);
  }
  if (state.nextFireAt !== undefined && state.nextFireAt <= ops.now) {
    const times = fireTimesBetween(schedule.spec, state.nextFireAt, ops.now, maxFireTimes);
    state.nextFireAt = nextFireAfter(schedule.spec, ops.now);
    const oldest = ops.now - Math.max(schedule.spec.catchupWindowMs, fireGraceMs);
    for (const fireAt of times) {
      if (fireAt < oldest) firing.skip(fireAt, "missed");
      else await firing.fire(fireAt);
    }
  }
  return { result: firing.result(), state };
}

/** `trigger`: one fire at the journal's now, under the overlap policy. The next fire time stays. */
export async function fireNow(
  schedule: ScheduleRecord,
  ops: ScheduleFiringOps,
): Promise<{ result: ScheduleFireResult; state: ScheduleState }> {
  const firing = new Firing(schedule, ops);
  await firing.fire(ops.now);
  return { result: firing.result(), state: firing.state };
}

/** Most fire times one backfill starts. */
export const maxBackfillFires = 1_000;

/**
 * `backfill`: every fire time in [fromMs, toMs] (at most {@link maxBackfillFires}) starts its
 * run, overlap notwithstanding (a backfill asks for each of them); fire times that have their
 * run already are skipped as `duplicate`, so a backfill can be repeated safely.
 */
export async function fireBackfill(
  schedule: ScheduleRecord,
  ops: ScheduleFiringOps,
  fromMs: number,
  toMs: number,
): Promise<{ result: ScheduleFireResult; state: ScheduleState }> {
  const firing = new Firing(schedule, ops);
  for (const fireAt of fireTimesBetween(schedule.spec, fromMs, toMs, maxBackfillFires))
    await firing.start(fireAt, false);
  return { result: firing.result(), state: firing.state };
}
