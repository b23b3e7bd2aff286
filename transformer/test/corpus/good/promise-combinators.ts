import { activity, minutes, signal, sleep, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const combinators = workflow("combinators", { version: 1 }, async (input: { userIds: string[] }) => {
  const results = await Promise.allSettled(input.userIds.map((id) => activity(acts.loadUser, id)));
  const loaded = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const first = await Promise.any([signal<string>("go"), sleep(minutes(5)).then(() => "timeout")]);
  const fastest = await Promise.race(loaded.map((u) => activity(acts.sendEmail, u.email, "Hi", "there")));
  return { count: loaded.length, first, fastest: fastest.to };
});
