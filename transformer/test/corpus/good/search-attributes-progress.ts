import { activity, setAttributes, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

// Search attributes follow the run's progress: setAttributes is an effect, journaled.
export const onboardingTracked = workflow(
  "onboarding-tracked",
  { version: 1, searchAttributes: { stage: "keyword", plan: "keyword" } },
  async (userId: string) => {
    setAttributes({ stage: "loading" });
    const user = await activity(acts.loadUser, userId);
    setAttributes({ stage: "welcoming", plan: user.plan });
    await activity(acts.sendEmail, user.email, "Welcome", `Hello ${user.id}`);
    setAttributes({ stage: "done" });
    return user.id;
  },
);
