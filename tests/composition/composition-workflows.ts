import { awaitChild, continueAsNew, signal, sleep, startChild, workflow } from "@continuum/core";
import type { ChildHandle } from "@continuum/core";

// Hand-stamped (transformer/SPEC.md section 1): these also run in child processes started with
// plain node, and the suites must not depend on the transformer's build.

const stamp = (versionHash: string, cursors: string[], line: number) =>
  ({ format: 1, versionHash, cursors, file: "tests/composition/composition-workflows.ts", line }) as const;

/** A child that only computes: its run is one step, so fan-out cost is the journal's. */
export const leafFlow = workflow.stamped(stamp("leafflow00000001", [], 12))(
  "composition.leaf",
  { version: 1 },
  async (n: number) => n * 2,
);

/**
 * Starts `children` children, `batch` per step (a short sleep between batches, so a crash can
 * land in the middle of the fan-out), then awaits them all; the result is the sum of theirs.
 */
export const fanOutFlow = workflow.stamped(
  stamp("fanoutflow000001", ["startChild:leafFlow#0", "sleep:#0", "awaitChild:#0"], 18),
)("composition.fan-out", { version: 1 }, async ({ children, batch }: { children: number; batch: number }) => {
  const handles: ChildHandle<number>[] = [];
  for (let i = 0; i < children; i += 1) {
    handles.push(await startChild.at("startChild:leafFlow#0")(leafFlow, i));
    if ((i + 1) % batch === 0 && i + 1 < children) await sleep.at("sleep:#0")(20);
  }
  const results = await Promise.all(handles.map((handle) => awaitChild.at("awaitChild:#0")(handle)));
  return results.reduce((sum, value) => sum + value, 0);
});

/**
 * An entity loop: takes `every` signals per run, then continues as new with what it has seen
 * so far; finishes once it has seen `total`. The result lists every payload taken, in order.
 */
export const tallyFlow = workflow.stamped(
  stamp("tallyflow0000001", ["signal:add#0", "continueAsNew:#0"], 38),
)(
  "composition.tally",
  { version: 1 },
  async (state: { seen: number[]; total: number; every: number; round: number }) => {
    const seen = [...state.seen];
    for (let i = 0; i < state.every && seen.length < state.total; i += 1)
      seen.push(await signal.at("signal:add#0")<number>("add"));
    if (seen.length >= state.total) return { seen, rounds: state.round + 1 };
    return continueAsNew.at("continueAsNew:#0")({ ...state, seen, round: state.round + 1 });
  },
);
