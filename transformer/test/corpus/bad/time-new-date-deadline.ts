import { workflow } from "@continuum/core";

export const approval = workflow("approval", { version: 1 }, async (requestId: string) => {
  const deadline = new Date();
  deadline.setHours(deadline.getHours() + 24);
  return { requestId, deadline: deadline.toISOString() };
});
