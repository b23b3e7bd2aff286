import { describe, expect, it } from "vitest";
import { ExitCode } from "../cli-io.ts";
import { runProgram } from "../program.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum observer`: serves @continuum/observer (installed in the workspace) over the
// journal the options name, until stopped; refuses bad ports and --actions on a public host.

async function until<T>(check: () => T | undefined): Promise<T> {
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("continuum observer", () => {
  it("serves the runs page on the port it prints, read-only, and stops cleanly", async () => {
    const io = captured();
    const stop = new AbortController();
    const exit = runProgram(
      ["observer", "--port", "0", "--data-dir", "memory://", "--base-path", "/ops"],
      io,
      {
        signal: stop.signal,
      },
    );
    const url = await until(() => /Observer at (http:\/\/\S+)/.exec(io.out())?.[1]);
    expect(io.out()).toContain("read-only");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ops$/);
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await response.text()).toContain("No runs match these filters.");
    const post = await fetch(`${url}/runs/x/cancel`, { method: "POST" });
    expect(post.status).toBe(403);
    stop.abort();
    expect(await exit).toBe(ExitCode.ok);
  }, 120_000);

  it("refuses a bad port and --actions on a non-loopback host (exit 2)", async () => {
    const io = captured();
    expect(await runProgram(["observer", "--port", "http"], io)).toBe(ExitCode.usage);
    expect(io.err()).toContain("--port must be a port number");
    const open = captured();
    expect(await runProgram(["observer", "--actions", "--host", "0.0.0.0"], open)).toBe(ExitCode.usage);
    expect(open.err()).toContain("loopback");
  });
});
