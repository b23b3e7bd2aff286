import { workflow } from "@continuum/core";

export const cached = workflow("cached", { version: 1 }, async (key: string) => {
  const ref = new WeakRef({ key });
  return ref.deref()?.key ?? "collected";
});
