import { now, workflow } from "@continuum/core";

export const invoice = workflow("invoice", { version: 1 }, async (input: { issuedAt: string }) => {
  const formatter = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });
  const issued = formatter.format(new Date(input.issuedAt));
  const printed = formatter.formatToParts(await now());
  const numbers = new Intl.NumberFormat("en-GB").format(1234.5);
  const list = { format: () => "not a clock" };
  return { issued, printed: printed.map((p) => p.value).join(""), numbers, list: list.format() };
});
