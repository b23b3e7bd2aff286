import { isTimeout, minutes, signal, workflow } from "@continuum/core";

interface Approval {
  approved: boolean;
  by: string;
  at: Date;
}

export const approval = workflow("approval", { version: 1 }, async (requestId: string) => {
  const decision = await signal<Approval>("approval", { timeout: minutes(30) });
  if (isTimeout(decision)) return { requestId, approved: false, by: "timeout", at: null };
  return { requestId, approved: decision.approved, by: decision.by, at: decision.at };
});
