import type { Encoded, HistoryEventBody } from "../model/index.ts";

/**
 * The search attribute changes a step's events carry (`attributes_set`, from setAttributes in
 * workflow code), merged in event order: name to new value, null for a name removed. Undefined
 * when the step sets none. Both journals apply it to the run row in the step's own commit, so
 * the event and the queryable attributes never disagree; the event is the record, the row is
 * the index.
 */
export function attributeUpdatesOf(
  events: readonly HistoryEventBody[],
): Readonly<Record<string, Encoded>> | undefined {
  let merged: Record<string, Encoded> | undefined;
  for (const event of events) {
    if (event.kind !== "attributes_set") continue;
    merged ??= {};
    for (const [name, value] of Object.entries(event.attributes)) merged[name] = value;
  }
  return merged;
}

/**
 * `current` with `updates` applied: each name set to its value, and removed when the value is
 * null. Key order: kept names first in their order, then new ones.
 *
 * @example
 * ```ts
 * applyAttributeUpdates({ a: 1, b: 2 }, { b: null, c: 3 }); // { a: 1, c: 3 }
 * ```
 */
export function applyAttributeUpdates(
  current: Readonly<Record<string, Encoded>>,
  updates: Readonly<Record<string, Encoded>>,
): Record<string, Encoded> {
  const next: Record<string, Encoded> = { ...current };
  for (const [name, value] of Object.entries(updates)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}
