import { workflow } from "@continuum/core";

const DateCtor = Date;

export const created = workflow("created", { version: 1 }, async () => {
  return new DateCtor().getFullYear();
});
