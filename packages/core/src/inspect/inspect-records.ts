import type { InboxItem, RunDetailRecord, RunRecord, TaskRecord } from "../journal/journal.ts";
import type { HistoryEvent, SerializedError } from "../model/index.ts";
import type { Encoded } from "../model/payload.ts";
import { decodeForDisplay, inspectError } from "./display-value.ts";
import type {
  InspectedEvent,
  InspectedInboxItem,
  InspectedRun,
  InspectedRunDetail,
  InspectedTask,
} from "./inspector.ts";

// Record -> inspected record: payloads decoded, errors split. Pure mapping, no I/O.

/** The fields of history events and inbox items that hold a codec payload. */
const payloadFields = new Set(["input", "result", "args", "payload", "value", "details", "output"]);

/** A run record with its payloads decoded. */
export function inspectRun(run: RunRecord): InspectedRun {
  const { input, result, error, attributes, ...rest } = run;
  return {
    ...rest,
    input: decodeForDisplay(input, "input"),
    ...(result === undefined ? {} : { result: decodeForDisplay(result, "result") }),
    ...(error === undefined ? {} : { error: inspectError(error) }),
    attributes: Object.fromEntries(
      Object.entries(attributes).map(([key, value]) => [key, decodeForDisplay(value, `attributes.${key}`)]),
    ),
  };
}

/** A run detail with its run decoded. */
export function inspectRunDetail(detail: RunDetailRecord): InspectedRunDetail {
  return { ...detail, run: inspectRun(detail.run) };
}

/** The fields of an event or inbox item, payloads decoded and errors inspected. */
function decodeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (payloadFields.has(key)) out[key] = decodeForDisplay(value as Encoded, key);
    else if (key === "error" && typeof value === "object" && value !== null)
      out[key] = inspectError(value as SerializedError);
    else out[key] = value;
  }
  return out;
}

/** A history event: seq, time, kind and identity apart, the rest decoded. */
export function inspectEvent(event: HistoryEvent): InspectedEvent {
  const { seq, at, kind, ...fields } = event as HistoryEvent & Record<string, unknown>;
  const identity = typeof fields.identity === "string" ? fields.identity : undefined;
  if (identity !== undefined) delete fields.identity;
  return { seq, at, kind, ...(identity === undefined ? {} : { identity }), data: decodeFields(fields) };
}

/** An inbox item: id, kind and time apart, the rest decoded. */
export function inspectInboxItem(item: InboxItem): InspectedInboxItem {
  const { kind, ...fields } = item.event as { kind: string } & Record<string, unknown>;
  const identity = typeof fields.identity === "string" ? fields.identity : undefined;
  if (identity !== undefined) delete fields.identity;
  return {
    id: item.id,
    kind,
    receivedAt: item.receivedAt,
    ...(identity === undefined ? {} : { identity }),
    data: decodeFields(fields),
  };
}

/** A task with its arguments, heartbeat details and last error decoded. */
export function inspectTask(task: TaskRecord): InspectedTask {
  const { args, lastError, heartbeatDetails, ...rest } = task;
  return {
    ...rest,
    args: decodeForDisplay(args, "args"),
    ...(lastError === undefined ? {} : { lastError: inspectError(lastError) }),
    ...(heartbeatDetails === undefined
      ? {}
      : { heartbeatDetails: decodeForDisplay(heartbeatDetails, "details") }),
  };
}
