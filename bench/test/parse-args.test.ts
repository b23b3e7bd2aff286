import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/main.ts";

describe("bench arguments", () => {
  it("reads the flags after the `--` that `pnpm bench -- ...` passes, as without it", () => {
    const direct = parseArgs(["--only", "latency,throughput", "--peers", "continuum-pg,dbos", "--reps", "1"]);
    expect(
      parseArgs(["--", "--only", "latency,throughput", "--peers", "continuum-pg,dbos", "--reps", "1"]),
    ).toEqual(direct);
    expect(direct).toMatchObject({
      only: ["latency", "throughput"],
      peers: ["continuum-pg", "dbos"],
      reps: 1,
    });
  });

  it("rewrites the README only for a whole full run, not a narrowed one or a smoke run", () => {
    expect(parseArgs([]).writeReadme).toBe(true);
    expect(parseArgs(["--reps", "1"]).writeReadme).toBe(true);
    expect(parseArgs(["--only", "latency"]).writeReadme).toBe(false);
    expect(parseArgs(["--peers", "dbos"]).writeReadme).toBe(false);
    expect(parseArgs(["--no-readme"]).writeReadme).toBe(false);
    expect(parseArgs(["--smoke"]).writeReadme).toBe(false);
  });

  it("refuses an unknown flag, naming it", () => {
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument --fast/);
  });
});
