import { decode } from "../codec/index.ts";
import { ScheduleNotFoundError } from "../errors/schedule-errors.ts";
import type { Journal, ScheduleFireResult, ScheduleRecord } from "../journal/journal.ts";
import { fireTimesBetween } from "../journal/schedule-plan.ts";
import { IdentifierKind, checkIdentifier, checkNumber } from "../validation/index.ts";
import { upsertRequestOf, type ScheduleOptions } from "./define-schedule.ts";

/** A schedule as the client shows it: the stored record, input decoded, and its coming fire times. */
export interface ScheduleDescription extends Omit<ScheduleRecord, "input"> {
  readonly input: unknown;
  /** The next few fire times (epoch ms), from the next one on; empty while paused. */
  readonly upcoming: number[];
}

/** `client.schedules`: schedules of the client's namespace, managed at run time. */
export interface ScheduleClient {
  /** Creates a schedule; throws ScheduleAlreadyExistsError when the name is taken. */
  create(name: string, options: ScheduleOptions): Promise<ScheduleDescription>;
  /** Replaces a schedule's definition; throws ScheduleNotFoundError. */
  update(name: string, options: ScheduleOptions): Promise<ScheduleDescription>;
  pause(name: string): Promise<ScheduleDescription>;
  /** Resumes from now on: fire times that passed while paused are not caught up. */
  resume(name: string): Promise<ScheduleDescription>;
  /** Fires once now (the overlap policy applies), paused or not. */
  trigger(name: string): Promise<ScheduleFireResult>;
  /** Starts a run for every fire time in [from, to] that has none yet (at most 1000). */
  backfill(name: string, range: { from: Date | number; to: Date | number }): Promise<ScheduleFireResult>;
  list(): Promise<ScheduleDescription[]>;
  /** Throws ScheduleNotFoundError. */
  describe(name: string): Promise<ScheduleDescription>;
  /** Deletes the schedule (its runs go on); false when there was none. */
  delete(name: string): Promise<boolean>;
}

const upcomingCount = 5;

/** Decodes a schedule record for {@link ScheduleDescription}. */
export function describeSchedule(schedule: ScheduleRecord): ScheduleDescription {
  const { input, ...rest } = schedule;
  const upcoming =
    schedule.paused || schedule.nextFireAt === undefined
      ? []
      : fireTimesBetween(schedule.spec, schedule.nextFireAt, Number.MAX_SAFE_INTEGER, upcomingCount);
  return { ...rest, input: decode(input, "input"), upcoming };
}

/** The `schedules` member of a client. */
export function createScheduleClient(
  journal: Journal,
  namespace: string,
  maxPayloadBytes: number,
): ScheduleClient {
  const named = (name: unknown): string => checkIdentifier(IdentifierKind.name, name, "schedule name");
  const found = async (name: string): Promise<ScheduleRecord> => {
    const schedule = await journal.getSchedule(namespace, named(name));
    if (schedule === undefined) throw new ScheduleNotFoundError(namespace, name);
    return schedule;
  };
  const instant = (value: Date | number, what: string): number =>
    checkNumber(value instanceof Date ? value.getTime() : value, what, {
      min: 0,
      max: 8_640_000_000_000_000,
    });
  return {
    async create(name, options) {
      const request = upsertRequestOf(namespace, named(name), options, maxPayloadBytes, "create");
      return describeSchedule((await journal.upsertSchedule(request)).schedule);
    },
    async update(name, options) {
      const request = upsertRequestOf(namespace, named(name), options, maxPayloadBytes, "update");
      return describeSchedule((await journal.upsertSchedule(request)).schedule);
    },
    pause: async (name) => describeSchedule(await journal.setSchedulePaused(namespace, named(name), true)),
    resume: async (name) => describeSchedule(await journal.setSchedulePaused(namespace, named(name), false)),
    trigger: (name) => journal.fireSchedule({ kind: "trigger", namespace, name: named(name) }),
    backfill: (name, range) =>
      journal.fireSchedule({
        kind: "backfill",
        namespace,
        name: named(name),
        fromMs: instant(range.from, "backfill from"),
        toMs: instant(range.to, "backfill to"),
      }),
    list: async () => (await journal.listSchedules(namespace)).map(describeSchedule),
    describe: async (name) => describeSchedule(await found(name)),
    delete: (name) => journal.deleteSchedule(namespace, named(name)),
  };
}
