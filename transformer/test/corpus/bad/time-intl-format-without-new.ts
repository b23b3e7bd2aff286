import { workflow } from "@continuum/core";

export const stamp = workflow("stamp", { version: 1 }, async (id: string) => {
  return `${id} at ${Intl.DateTimeFormat("en-US").format(undefined)}`;
});
