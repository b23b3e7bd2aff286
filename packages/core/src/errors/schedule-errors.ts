import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/** A schedule definition that cannot fire: a bad cron pattern, time zone, interval or option. */
export class InvalidScheduleError extends ContinuumError<{
  schedule: string;
  option: string;
  reason: string;
}> {
  constructor(schedule: string, option: string, reason: string) {
    super(ErrorCode.InvalidSchedule, `schedule ${JSON.stringify(schedule)}: invalid ${option}: ${reason}`, {
      data: { schedule, option, reason },
      hint: "give exactly one of cron (5 or 6 fields, e.g. '0 9 * * 1-5') or every (ms or a duration such as minutes(5)), and an IANA time zone such as 'Europe/Berlin'",
    });
  }
}

/** No schedule with this name in the namespace. */
export class ScheduleNotFoundError extends ContinuumError<{ namespace: string; name: string }> {
  constructor(namespace: string, name: string) {
    super(ErrorCode.ScheduleNotFound, `no schedule ${JSON.stringify(name)} in namespace ${namespace}`, {
      data: { namespace, name },
      hint: "list schedules with client.schedules.list() or `continuum schedules list`; names are case-sensitive",
    });
  }
}

/** `client.schedules.create` with a name that a schedule already has. */
export class ScheduleAlreadyExistsError extends ContinuumError<{ namespace: string; name: string }> {
  constructor(namespace: string, name: string) {
    super(
      ErrorCode.ScheduleAlreadyExists,
      `a schedule ${JSON.stringify(name)} already exists in namespace ${namespace}`,
      {
        data: { namespace, name },
        hint: "use client.schedules.update() to change it, or delete it first",
      },
    );
  }
}
