import { hours, signal, sleep, workflow } from "@continuum/core";

export const escalate = workflow("escalate", { version: 1 }, async (ticketId: string) => {
  const answered = signal<boolean>("answered").then(() => "answered" as const);
  const timedOut = sleep(hours(4)).then(() => "timeout" as const);
  const outcome = await Promise.race([answered, timedOut]);
  return { ticketId, outcome };
});
