import { workflow } from "@continuum/core";

export const featureFlag = workflow("feature-flag", { version: 1 }, async () => {
  const { NODE_ENV, FEATURE_X } = process.env;
  return NODE_ENV === "production" && FEATURE_X === "1";
});
