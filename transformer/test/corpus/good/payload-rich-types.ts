import { activity, defineActivity, workflow } from "@continuum/core";

interface Snapshot {
  id: string;
  takenAt: Date;
  labels: Set<string>;
  scores: Map<string, number[]>;
  pattern: RegExp;
  raw: Uint8Array;
  buffer: ArrayBuffer;
  failure: Error | null;
  nested: { deep: { value: bigint | null } };
  tuple: [string, number];
  optional?: string;
}

const persist = defineActivity("snapshots.persist", async (s: Snapshot) => s.id);

export const snapshot = workflow("snapshot", { version: 1 }, async (input: Snapshot) => {
  const id = await activity(persist, input);
  return { id, labels: input.labels, at: input.takenAt };
});
