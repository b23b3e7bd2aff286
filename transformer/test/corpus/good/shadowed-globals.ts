import { workflow } from "@continuum/core";

interface Clock {
  now(): number;
}

function process(order: { id: string }): string {
  return order.id.toUpperCase();
}

export const shadows = workflow("shadows", { version: 1 }, async (input: { id: string; env: { region: string } }) => {
  const clock: Clock = { now: () => 42 };
  const crypto = { randomUUID: () => "fixed" };
  const performance = { now: () => 0 };
  return { id: process(input), region: input.env.region, t: clock.now(), u: crypto.randomUUID(), p: performance.now() };
});
