import { defineQuery, defineSignal, hours, isTimeout, setHandler, signal, workflow } from "@continuum/core";

// Typed signals and queries: definitions shared with client code, a handler that reads state.
export const approve = defineSignal<{ by: string; at: Date }>("approve");
export const comment = defineSignal<string>("comment");
export const progress = defineQuery<{ stage: string; comments: number }>("progress");

export const approvalFlow = workflow("typed-approval", { version: 1 }, async (requestId: string) => {
  let stage = "waiting";
  let comments = 0;
  setHandler(progress, () => ({ stage, comments }));
  const first = await signal(comment, { timeout: hours(1) });
  if (!isTimeout(first)) comments += 1;
  const decision = await signal(approve);
  stage = "approved";
  return { requestId, by: decision.by, at: decision.at, comments };
});
