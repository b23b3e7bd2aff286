// The workflow primitives suites' fixture: an activity, a test stamp, and a history lookup.
import type { HistoryEvent } from "../../model/index.ts";
import { defineActivity, workflow } from "../../workflow/index.ts";
import { testStamp } from "./engine-simulator.ts";

/** A trivial activity: its argument plus one. */
export const ping = defineActivity("ping", async (n: number) => n + 1);
/** Hand-stamps workflows (the runtime suites do not run the transformer). */
export const stamped = workflow.stamped(testStamp(["test"]));

/** The last event of a kind in a history. */
export function lastOf(
  history: readonly HistoryEvent[],
  kind: HistoryEvent["kind"],
): HistoryEvent | undefined {
  return [...history].reverse().find((e) => e.kind === kind);
}
