import { defaultMaxPayloadBytes } from "../client/payload-limit.ts";
import type { Journal, ScheduleFireResult } from "../journal/journal.ts";
import { upsertRequestOf, type ScheduleDefinition } from "../schedules/define-schedule.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";

/** Options of {@link createEngineSchedules}. */
export interface EngineSchedulesOptions {
  readonly journal: Journal;
  readonly events: EngineEventEmitter;
  /** The engine's namespace: its schedules are created there, and it fires only those. Absent: every namespace (test kit). */
  readonly namespace?: string;
  /** Every namespace whose due schedules this engine fires (default `[namespace]`). */
  readonly namespaces?: readonly string[];
  /** Schedules declared in code, created or updated on the first round. */
  readonly schedules: readonly ScheduleDefinition[];
}

/** The engine's part in schedules: registration on boot, and one firing round per timer round. */
export interface EngineSchedules {
  /** Registers the code's schedules (once, retried until it succeeds), then fires what is due; returns how many runs started. */
  fire(): Promise<number>;
}

/** Most schedules one round handles (each in its own transaction); the round repeats while this many were due. */
export const scheduleBatch = 32;

/**
 * Creates the engine's schedule firing. Every engine may fire every schedule of its namespace
 * (the journal's row lock decides which engine fires a fire time), whether or not it
 * registers the schedule's workflow: the run it starts is claimed by an engine that does.
 */
export function createEngineSchedules(options: EngineSchedulesOptions): EngineSchedules {
  const { journal, events } = options;
  let registered = options.schedules.length === 0;
  const register = async (): Promise<void> => {
    const namespace = options.namespace ?? "default";
    // Idempotent: an unchanged definition writes nothing, so engines booting together are cheap.
    for (const definition of options.schedules)
      await journal.upsertSchedule(
        upsertRequestOf(namespace, definition.name, definition.options, defaultMaxPayloadBytes),
      );
    registered = true;
  };
  const report = (result: ScheduleFireResult, now: number): void => {
    for (const fire of result.fired)
      emitEvent(events, "schedule.fired", {
        namespace: fire.namespace,
        schedule: fire.schedule,
        fireAt: fire.fireAt,
        workflowId: fire.workflowId,
        runId: fire.runId,
        startAt: fire.startAt,
        lateMs: Math.max(0, now - fire.fireAt),
      });
    for (const skip of result.skipped)
      emitEvent(events, "schedule.skipped", {
        namespace: skip.namespace,
        schedule: skip.schedule,
        fireAt: skip.fireAt,
        reason: skip.reason,
      });
  };
  return {
    async fire() {
      if (!registered) await register();
      const scopes =
        options.namespaces?.map((namespace) => ({ namespace })) ??
        (options.namespace === undefined ? [{}] : [{ namespace: options.namespace }]);
      let fired = 0;
      for (const scope of scopes) {
        const result = await journal.fireDueSchedules({ limit: scheduleBatch, ...scope });
        if (result.fired.length > 0 || result.skipped.length > 0) report(result, await journal.now());
        fired += result.fired.length;
      }
      return fired;
    },
  };
}
