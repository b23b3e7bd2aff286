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

  it("refuses an unknown flag, naming it", () => {
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument --fast/);
  });
});
