import * as wf from "@continuum/core/workflow";
import * as acts from "../support/activities.ts";

export const ns = wf.workflow("ns", { version: 1 }, async (userId: string) => {
  const user = await wf.activity(acts.loadUser, userId);
  await wf.sleep(wf.hours(1));
  wf.log("done", { userId });
  return user.plan;
});
