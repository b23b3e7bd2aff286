import { workflow } from "@continuum/core";

export const referral = workflow("referral", { version: 1 }, async (userId: string) => {
  const code = Math.random().toString(36).slice(2, 8);
  return `${userId}-${code}`;
});
