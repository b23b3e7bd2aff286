import { workflow } from "@continuum/core";

export const banner = workflow("banner", { version: 1 }, async () => {
  const today = new window.Date();
  return today.getDay() === 0 ? "sunday" : "weekday";
});
