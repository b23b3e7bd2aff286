import { AsyncLocalStorage } from "node:async_hooks";
import type { HistoryEvent } from "../model/index.ts";
import type { EffectScope } from "../workflow/effect-host.ts";
import { createExecution } from "../replay/index.ts";
import { ReplayDriftError } from "../errors/replay-errors.ts";
import { workflowInfo, type AnyWorkflowDefinition } from "../worker/definition-info.ts";

/** Async context for the replayed code, as the engine gives it (cancellation scopes need it). */
const effectScopes = new AsyncLocalStorage<EffectScope>();

/** Options of {@link replayHistory}. */
export interface ReplayHistoryOptions {
  /** Run id used in errors. Default `"replay"`. */
  readonly runId?: string;
  readonly workflowId?: string;
}

/**
 * Replays a recorded history (from `client.history(runId)`, or a JSON file checked in as a
 * golden history) against the current code of `definition`, the way an engine would after a
 * deploy. Resolves when the code reproduces the history exactly; throws `ReplayDriftError`
 * naming the recorded and the current call site when it does not, including when the code
 * would now issue an effect the history does not have.
 *
 * @example
 * ```ts
 * import golden from "./order-v1.history.json" with { type: "json" };
 * it("v2 of the order flow still replays v1 runs", async () => {
 *   await replayHistory(orderFlow, golden as HistoryEvent[]);
 * });
 * ```
 */
export async function replayHistory(
  definition: AnyWorkflowDefinition,
  history: readonly HistoryEvent[],
  options: ReplayHistoryOptions = {},
): Promise<void> {
  const { name } = workflowInfo(definition);
  const runId = options.runId ?? "replay";
  const execution = await createExecution(
    definition,
    { runId, workflowId: options.workflowId ?? runId, history },
    { effectScopes },
  );
  try {
    if (execution.finished) return;
    // A recorded step committed every command the code issued; a deterministic replay has
    // nothing left to issue at the end of the history.
    const last = history.at(-1);
    const extra = await execution.step({ now: last?.at ?? 0, deliveries: [] });
    const first = extra.events[0];
    if (first !== undefined) {
      throw new ReplayDriftError({
        runId,
        workflowName: name,
        drift: "added",
        current: { effect: first.kind, ...("identity" in first ? { identity: first.identity } : {}) },
      });
    }
  } finally {
    execution.dispose();
  }
}
