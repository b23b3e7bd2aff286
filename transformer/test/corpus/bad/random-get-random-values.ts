import { workflow } from "@continuum/core";

export const otp = workflow("otp", { version: 1 }, async () => {
  const [n = 0] = crypto.getRandomValues(new Uint32Array(1));
  return String(n % 1_000_000).padStart(6, "0");
});
