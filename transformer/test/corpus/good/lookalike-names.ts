import { workflow } from "@continuum/core";

// Names that look like banned globals but are the user's own.
interface Services {
  fetch(url: string): string;
  crypto: { randomUUID(): string };
  console: { log(message: string): void };
}

class Scheduler {
  now(): number {
    return 7;
  }
  setTimeout(ms: number): number {
    return ms;
  }
}

function fetch(url: string): number {
  return url.length;
}

const services: Services = {
  fetch: (url) => url.toUpperCase(),
  crypto: { randomUUID: () => "00000000-0000-4000-8000-000000000000" },
  console: { log: () => undefined },
};

export const lookalikes = workflow("lookalikes", { version: 1 }, async (input: { process: string; env: Record<string, string> }) => {
  const scheduler = new Scheduler();
  services.console.log("not the real console");
  const delayConfig = { setTimeout: 5, random: false, now: "never" };
  const label = "Date.now() is only text here";
  type Timer = ReturnType<typeof setTimeout>;
  const timer: Timer | undefined = undefined;
  return {
    a: fetch(input.process),
    b: services.fetch("x"),
    c: services.crypto.randomUUID(),
    d: scheduler.now() + scheduler.setTimeout(1),
    e: delayConfig.setTimeout,
    f: input.env["HOME"] ?? label,
    g: timer === undefined,
  };
});
