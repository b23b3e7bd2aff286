import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { ChildWorkflowFailure } from "../errors/workflow-errors.ts";
import { createTestEnvironment } from "../testing/index.ts";
import { child, signal, workflow } from "../workflow/index.ts";

// Workflow id reuse through the public API: per start, per definition, for children, and
// reading an id's runs back (latest first, earlier ones a page at a time).

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/id-reuse.workflow.ts", line: 1 }) as const;

const report = workflow.stamped(stamp("report"))(
  "report",
  { version: 1 },
  async (day: string) => `report ${day}`,
);
const invoice = workflow.stamped(stamp("invoice"))(
  "invoice",
  { version: 1, idReusePolicy: "reject" },
  async (n: number) => {
    if (n < 0) throw new Error("negative invoice");
    return n;
  },
);
const waiter = workflow.stamped(stamp("waiter"))("waiter", { version: 1 }, async () => {
  return signal.at("signal:go#0")<string>("go");
});

describe("workflow id reuse (client)", () => {
  it("the default lets a closed run's id start a new run; describeWorkflow names the latest, list pages the rest", async () => {
    const env = await createTestEnvironment({ workflows: [report] });
    const runIds: string[] = [];
    for (const day of ["mon", "tue", "wed"]) {
      const run = await env.client.start(report, day, { id: "daily" });
      expect(run.created).toBe(true);
      expect(await run.result()).toBe(`report ${day}`);
      runIds.push(run.runId);
    }
    expect(await env.client.describeWorkflow("daily")).toMatchObject({ runId: runIds[2], input: "wed" });
    const first = await env.client.list({ workflowId: "daily", limit: 2 });
    expect(first.runs.map((r) => r.runId)).toEqual([runIds[2], runIds[1]]);
    const rest = await env.client.list({ workflowId: "daily", limit: 2, after: first.next! });
    expect(rest.runs.map((r) => r.runId)).toEqual([runIds[0]]);
    expect(rest.next).toBeUndefined();
    await env.close();
  });

  it("a definition's policy applies to its starts, and a start's own policy wins over it", async () => {
    const env = await createTestEnvironment({ workflows: [invoice] });
    const first = await env.client.start(invoice, -1, { id: "inv-1" });
    await expect(first.result()).rejects.toMatchObject({ code: ErrorCode.WorkflowFailed });
    // reject (the definition's): the failed run keeps the id
    const again = await env.client.start(invoice, 5, { id: "inv-1" });
    expect(again).toMatchObject({ created: false, runId: first.runId });
    await expect(env.client.start(invoice, 5, { id: "inv-1", onConflict: "fail" })).rejects.toMatchObject({
      code: ErrorCode.RunAlreadyExists,
    });
    // allowAfterFailed (the start's): the failed run lets a new one in
    const retry = await env.client.start(invoice, 5, { id: "inv-1", idReusePolicy: "allowAfterFailed" });
    expect(retry.created).toBe(true);
    expect(await retry.result()).toBe(5);
    expect(
      (await env.client.start(invoice, 6, { id: "inv-1", idReusePolicy: "allowAfterFailed" })).created,
    ).toBe(false);
    await env.close();
  });

  it("terminateExisting ends the running run as cancelled and starts the new one", async () => {
    const env = await createTestEnvironment({ workflows: [waiter] });
    const old = await env.client.start(waiter, undefined, { id: "w" });
    const next = await env.client.start(waiter, undefined, { id: "w", idReusePolicy: "terminateExisting" });
    expect(next.created).toBe(true);
    await expect(old.result()).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    await env.client.signal(next.runId, "go", "done");
    expect(await next.result()).toBe("done");
    await env.close();
  });

  it("refuses an unknown policy at the boundary: start, definition and child call", async () => {
    const env = await createTestEnvironment({ workflows: [report] });
    await expect(
      env.client.start(report, "x", { id: "bad", idReusePolicy: "sometimes" as never }),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    expect((await env.client.list({ workflowId: "bad" })).runs).toEqual([]);
    expect(() => workflow("bad", { version: 1, idReusePolicy: "never" as never }, async () => 1)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidWorkflowDefinition }),
    );
    await env.close();
  });

  it("a child with idReusePolicy reject fails in the parent when a closed run holds its id; the default starts it", async () => {
    const parent = workflow.stamped(stamp("parent"))("parent", { version: 1 }, async () => {
      const outcomes: string[] = [];
      for (const policy of ["reject", "allowAfterClosed"] as const) {
        try {
          outcomes.push(
            await child.at("child:report#0")(report, policy, { id: "shared-report", idReusePolicy: policy }),
          );
        } catch (e) {
          outcomes.push(
            e instanceof ChildWorkflowFailure ? `refused: ${(e.cause as { code?: string }).code}` : String(e),
          );
        }
      }
      return outcomes;
    });
    const env = await createTestEnvironment({ workflows: [report, parent], paranoid: true });
    const earlier = await env.client.start(report, "earlier", { id: "shared-report" });
    await earlier.result();
    const run = await env.client.start(parent, undefined);
    expect(await run.result()).toEqual([`refused: ${ErrorCode.RunAlreadyExists}`, "report allowAfterClosed"]);
    await env.close();
  });
});
