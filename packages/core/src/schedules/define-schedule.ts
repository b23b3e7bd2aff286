import type { ScheduleOverlap, ScheduleSpec, UpsertScheduleRequest } from "../journal/journal.ts";
import { checkScheduleSpec, stableHash } from "../journal/schedule-plan.ts";
import { encodePayload } from "../client/payload-limit.ts";
import { IdentifierKind, checkIdentifier } from "../validation/index.ts";
import { workflowInfo, type AnyWorkflowDefinition, type WorkflowInput } from "../worker/definition-info.ts";

/** Options of {@link defineSchedule}: when to fire, what to start, and what to do when runs overlap. */
export interface ScheduleOptions<Def extends AnyWorkflowDefinition = AnyWorkflowDefinition> {
  /** A cron pattern (5 fields; 6 with seconds first), read in `timezone`. One of `cron` / `every`. */
  readonly cron?: string;
  /** A fixed interval in ms (`minutes(15)`), aligned to the Unix epoch so every engine agrees. */
  readonly every?: number;
  /** IANA time zone for `cron` (default "UTC"); DST is handled (see guides/schedules.md). */
  readonly timezone?: string;
  /** The workflow each fire starts. */
  readonly workflow: Def;
  /** Its input (the same for every fire). */
  readonly input: WorkflowInput<Def>;
  /** When the previous run of the schedule is still open (default "skip"). */
  readonly overlap?: ScheduleOverlap;
  /**
   * After downtime, fire times missed by no more than this (ms) still fire; older ones are
   * skipped and reported (`schedule.skipped`, reason "missed"). Default one minute.
   */
  readonly catchupWindow?: number;
  /** Spread starts: each fire's run starts up to this many ms late, by a per-fire deterministic offset. */
  readonly jitter?: number;
  /** Create paused (applies on creation and when the definition changes; operators pause later). */
  readonly paused?: boolean;
}

/** A schedule declared in code; engines register it on boot (`createEngine({ schedules })`). */
export interface ScheduleDefinition<Def extends AnyWorkflowDefinition = AnyWorkflowDefinition> {
  readonly kind: "schedule";
  readonly name: string;
  readonly options: ScheduleOptions<Def>;
  /** The normalized timing and policies, checked at definition time. */
  readonly spec: ScheduleSpec;
}

const defaultCatchupWindowMs = 60_000;

/**
 * Declares a schedule: a workflow started at every fire time of a cron pattern or interval,
 * exactly once per fire time across all engines. Pass it to `createEngine({ schedules })` to
 * have it created (or updated, when its definition changed) on boot; or create schedules at
 * run time with `client.schedules.create`.
 *
 * @example
 * ```ts
 * export const nightlyReport = defineSchedule("nightly-report", {
 *   cron: "0 2 * * *",
 *   timezone: "Europe/Berlin",
 *   workflow: reportFlow,
 *   input: { kind: "daily" },
 *   overlap: "skip",
 *   catchupWindow: hours(6),
 * });
 * const engine = createEngine({ journal, workflows: [reportFlow], schedules: [nightlyReport] });
 * ```
 */
export function defineSchedule<Def extends AnyWorkflowDefinition>(
  name: string,
  options: ScheduleOptions<Def>,
): ScheduleDefinition<Def> {
  checkIdentifier(IdentifierKind.name, name, "schedule name");
  const spec = scheduleSpec(name, options);
  return { kind: "schedule", name, options, spec };
}

/** Normalizes and checks a schedule's timing options (throws InvalidScheduleError). */
export function scheduleSpec(
  name: string,
  options: Omit<ScheduleOptions, "workflow" | "input">,
): ScheduleSpec {
  const spec: ScheduleSpec = {
    ...(options.cron === undefined ? {} : { cron: options.cron }),
    ...(options.every === undefined ? {} : { everyMs: options.every }),
    timezone: options.timezone ?? "UTC",
    overlap: options.overlap ?? "skip",
    catchupWindowMs: options.catchupWindow ?? defaultCatchupWindowMs,
    jitterMs: options.jitter ?? 0,
  };
  checkScheduleSpec(name, spec);
  return spec;
}

/** The journal request that stores a schedule (input encoded, definition hashed for change detection). */
export function upsertRequestOf(
  namespace: string,
  name: string,
  options: ScheduleOptions,
  maxPayloadBytes: number,
  mode: UpsertScheduleRequest["mode"] = "upsert",
): UpsertScheduleRequest {
  checkIdentifier(IdentifierKind.name, name, "schedule name");
  const spec = scheduleSpec(name, options);
  const { name: workflowName, versionHash } = workflowInfo(options.workflow);
  const input = encodePayload(options.input, `input of schedule ${name}`, maxPayloadBytes);
  const specHash = stableHash(
    JSON.stringify([spec, workflowName, versionHash, input, options.paused ?? false]),
  );
  return {
    namespace,
    name,
    spec,
    specHash,
    workflowName,
    versionHash,
    input,
    mode,
    ...(options.paused === undefined ? {} : { paused: options.paused }),
  };
}
