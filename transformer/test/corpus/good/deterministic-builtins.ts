import { workflow } from "@continuum/core";

const { floor, max, PI } = Math;
const ORIGIN = new Date(0);
let defaultCurrency = "EUR"; // read-only from workflows

export const builtins = workflow("builtins", { version: 1 }, async (input: { values: number[]; when: string }) => {
  const parsed = Number.parseInt("42", 10);
  const frozen = Object.freeze({ parsed });
  const utc = new Date(Date.UTC(2024, 1, 29));
  const when = new Date(input.when);
  const iterator = input.values[Symbol.iterator]();
  const first = iterator.next().value ?? 0;
  const encoded = JSON.stringify({ frozen, utc, when });
  const digits = floor(max(...input.values, 0) * PI);
  const local = new Map<string, number>([["a", 1]]);
  local.set("b", 2);
  const sorted = [...input.values].sort((a, b) => a - b);
  return { encoded, digits, first, origin: ORIGIN.getTime(), currency: defaultCurrency, sorted, size: local.size };
});
