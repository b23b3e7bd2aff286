import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { RunAlreadyExistsError } from "../../errors/journal-errors.ts";
import type { Journal, NewChildRun, StartRunRequest } from "../../journal/journal.ts";
import type { HistoryEventBody, WorkflowIdReusePolicy } from "../../model/index.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  expectRejects,
  inboxOf,
  namespace,
  start,
  stepCommit,
  stepOnce,
} from "./conformance-harness.ts";

type Ending = "completed" | "failed" | "cancelled";

const endings: Record<Ending, HistoryEventBody> = {
  completed: { kind: "run_completed", result: { ok: true } },
  failed: { kind: "run_failed", error: { name: "Error", message: "broke" } },
  cancelled: { kind: "run_cancelled", reason: "told to" },
};

/** Ends `runId` with `ending` in one step. */
async function finish(journal: Journal, runId: string, ending: Ending): Promise<void> {
  await stepOnce(journal, runId, {
    events: [endings[ending]],
    status: ending,
    ...(ending === "completed" ? { result: { ok: true } } : {}),
    ...(ending === "failed" ? { error: { name: "Error", message: "broke" } } : {}),
  });
}

/** A start of workflow id `id` under `policy`. */
function startWith(
  journal: Journal,
  id: string,
  policy?: WorkflowIdReusePolicy,
  extra: Partial<StartRunRequest> = {},
) {
  return journal.startRun({
    namespace,
    workflowId: id,
    workflowName: "wf",
    versionHash: "v1",
    input: { n: 1 },
    ...(policy === undefined ? {} : { idReusePolicy: policy }),
    ...extra,
  });
}

/** Workflow id reuse: what a start may do after earlier runs with its id (WorkflowIdReusePolicy). */
export function idReuseConformance(h: HarnessRef): void {
  describe("workflow id reuse", () => {
    it("allowAfterClosed (default): an open run holds its id; once it closed, the id starts a new run", async () => {
      const { journal } = h();
      const first = await start(journal, { workflowId: "order-7" });
      expect(await startWith(journal, "order-7")).toMatchObject({
        created: false,
        run: { runId: first.runId },
      });
      await expectRejects(
        startWith(journal, "order-7", undefined, { onConflict: "fail" }),
        ErrorCode.RunAlreadyExists,
        RunAlreadyExistsError,
      );
      for (const ending of ["completed", "failed", "cancelled"] as const) {
        const latest = (await journal.getRunByWorkflowId(namespace, "order-7"))!;
        await finish(journal, latest.runId, ending);
        const next = await startWith(journal, "order-7", "allowAfterClosed");
        expect(next.created, `a new run after a ${ending} one`).toBe(true);
        expect(next.run.runId).not.toBe(latest.runId);
        expect((await journal.getRunByWorkflowId(namespace, "order-7"))?.runId).toBe(next.run.runId);
      }
    });

    it("allowAfterFailed: a new run only after the latest failed or was cancelled, never after a success", async () => {
      const { journal } = h();
      const first = await start(journal, { workflowId: "pay-1" });
      expect(await startWith(journal, "pay-1", "allowAfterFailed")).toMatchObject({ created: false });
      await finish(journal, first.runId, "failed");
      const second = await startWith(journal, "pay-1", "allowAfterFailed");
      expect(second.created).toBe(true);
      await finish(journal, second.run.runId, "cancelled");
      const third = await startWith(journal, "pay-1", "allowAfterFailed");
      expect(third.created).toBe(true);
      await finish(journal, third.run.runId, "completed");
      const fourth = await startWith(journal, "pay-1", "allowAfterFailed");
      expect(fourth).toMatchObject({ created: false, run: { runId: third.run.runId, status: "completed" } });
      await expectRejects(
        startWith(journal, "pay-1", "allowAfterFailed", { onConflict: "fail" }),
        ErrorCode.RunAlreadyExists,
        RunAlreadyExistsError,
      );
    });

    it("reject: while any run with the id exists, a start finds it (or fails), open or closed", async () => {
      const { journal } = h();
      const first = await startWith(journal, "once", "reject");
      expect(first.created).toBe(true);
      expect(await startWith(journal, "once", "reject")).toMatchObject({
        created: false,
        run: { runId: first.run.runId },
      });
      await finish(journal, first.run.runId, "failed");
      expect(await startWith(journal, "once", "reject")).toMatchObject({
        created: false,
        run: { runId: first.run.runId, status: "failed" },
      });
      await expectRejects(
        startWith(journal, "once", "reject", { onConflict: "fail" }),
        ErrorCode.RunAlreadyExists,
        RunAlreadyExistsError,
      );
      expect((await journal.listRuns({ namespace, workflowId: "once" })).runs).toHaveLength(1);
    });

    it("terminateExisting: an open run is ended as cancelled (lease fenced, queued work dropped), then the new run starts", async () => {
      const { journal } = h();
      const first = await start(journal, { workflowId: "sync" });
      const { claim } = await stepOnce(journal, first.runId, {
        timers: [{ identity: "sleep:#0", delayMs: 60_000 }],
      });
      const next = await startWith(journal, "sync", "terminateExisting");
      expect(next.created).toBe(true);
      const old = await journal.getRun(first.runId);
      expect(old).toMatchObject({ status: "cancelled" });
      expect(old?.leaseOwner).toBeUndefined();
      expect((await journal.readHistory(first.runId)).at(-1)).toMatchObject({
        kind: "run_cancelled",
        seq: old!.lastSeq,
      });
      // the old lease holder's next commit is refused and writes nothing
      await expectRejects(
        journal.commitStep(stepCommit({ ...claim, run: { ...claim.run, lastSeq: old!.lastSeq - 1 } })),
        ErrorCode.LeaseLost,
      );
      expect((await journal.getRunByWorkflowId(namespace, "sync"))?.runId).toBe(next.run.runId);
      // closed: a plain new start, nothing to terminate
      await finish(journal, next.run.runId, "completed");
      const third = await startWith(journal, "sync", "terminateExisting");
      expect(third.created).toBe(true);
      expect(await journal.getRun(next.run.runId)).toMatchObject({ status: "completed" });
    });

    it("terminateExisting on a child tells its parent (child_failed) in the same transaction", async () => {
      const { journal } = h();
      const parent = await start(journal, { workflowName: "parent" });
      const claim = await claimRun(journal, parent.runId);
      const child: NewChildRun = {
        runId: crypto.randomUUID(),
        workflowId: "kid-1",
        workflowName: "kid",
        versionHash: "k1",
        input: null,
        parentIdentity: "child:kid#0",
        parentClosePolicy: "cancel",
      };
      await journal.commitStep({
        ...stepCommit(claim, {
          events: [
            {
              kind: "child_started",
              identity: child.parentIdentity,
              workflowName: child.workflowName,
              workflowId: child.workflowId,
              runId: child.runId,
              versionHash: child.versionHash,
              input: child.input,
              parentClosePolicy: child.parentClosePolicy,
            },
          ],
        }),
        children: [child],
      });
      expect((await startWith(journal, "kid-1", "terminateExisting", { workflowName: "kid" })).created).toBe(
        true,
      );
      const inbox = await inboxOf(journal, parent.runId);
      expect(inbox.map((item) => item.event)).toEqual([
        expect.objectContaining({ kind: "child_failed", identity: "child:kid#0" }),
      ]);
    });

    it("a child id follows the same rules: the default frees it once its run closed, reject never, terminateExisting ends the open one", async () => {
      const { journal } = h();
      const holder = await start(journal, { workflowId: "kid-shared" });
      const startChild = async (identity: string, idReusePolicy?: WorkflowIdReusePolicy) => {
        const parent = await start(journal, { workflowName: "parent" });
        const claim = await claimRun(journal, parent.runId);
        const runId = crypto.randomUUID();
        const child: NewChildRun = {
          runId,
          workflowId: "kid-shared",
          workflowName: "kid",
          versionHash: "k1",
          input: null,
          parentIdentity: identity,
          parentClosePolicy: "abandon",
          ...(idReusePolicy === undefined ? {} : { idReusePolicy }),
        };
        await journal.commitStep({
          ...stepCommit(claim, {
            events: [
              {
                kind: "child_started",
                identity,
                workflowName: child.workflowName,
                workflowId: child.workflowId,
                runId,
                versionHash: child.versionHash,
                input: null,
                parentClosePolicy: "abandon",
                ...(idReusePolicy === undefined ? {} : { idReusePolicy }),
              },
            ],
          }),
          children: [child],
        });
        const inbox = (await inboxOf(journal, parent.runId)).map((i) => i.event);
        return { created: (await journal.getRun(runId)) !== undefined, inbox, runId };
      };
      const refused = await startChild("child:a#0");
      expect(refused.created).toBe(false);
      expect(refused.inbox).toEqual([
        expect.objectContaining({ kind: "child_failed", identity: "child:a#0" }),
      ]);
      await finish(journal, holder.runId, "completed");
      expect((await startChild("child:b#0", "reject")).created).toBe(false);
      expect((await startChild("child:c#0", "allowAfterFailed")).created).toBe(false);
      const accepted = await startChild("child:d#0");
      expect(accepted).toMatchObject({ created: true, inbox: [] });
      const replacing = await startChild("child:e#0", "terminateExisting");
      expect(replacing.created).toBe(true);
      expect(await journal.getRun(accepted.runId)).toMatchObject({ status: "cancelled" });
      expect((await journal.getRunByWorkflowId(namespace, "kid-shared"))?.runId).toBe(replacing.runId);
    });

    it("getRunByWorkflowId names the latest run; listRuns({ workflowId }) pages through every run with the id, newest first", async () => {
      const { journal } = h();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { run } = await startWith(journal, "daily-report");
        ids.push(run.runId);
        await finish(journal, run.runId, i % 2 === 0 ? "completed" : "failed");
      }
      await start(journal, { workflowId: "other" });
      expect((await journal.getRunByWorkflowId(namespace, "daily-report"))?.runId).toBe(ids[4]);
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await journal.listRuns({
          namespace,
          workflowId: "daily-report",
          limit: 2,
          ...(after === undefined ? {} : { after }),
        });
        seen.push(...page.runs.map((r) => r.runId));
        after = page.next;
      } while (after !== undefined);
      expect(seen).toEqual([...ids].reverse());
    });

    it("concurrent starts of one id under reject (and under the default) create exactly one run", async () => {
      const { journal } = h();
      for (const policy of ["reject", "allowAfterClosed", "allowAfterFailed", "terminateExisting"] as const) {
        const id = `race-${policy}`;
        const results = await Promise.all(Array.from({ length: 8 }, () => startWith(journal, id, policy)));
        const created = results.filter((r) => r.created);
        expect(created, policy).toHaveLength(policy === "terminateExisting" ? created.length : 1);
        if (policy !== "terminateExisting") {
          expect(new Set(results.map((r) => r.run.runId)).size, policy).toBe(1);
        }
        const runs = (await journal.listRuns({ namespace, workflowId: id })).runs;
        expect(
          runs.filter((r) => r.status === "running"),
          policy,
        ).toHaveLength(1);
        if (policy !== "terminateExisting") expect(runs, policy).toHaveLength(1);
      }
    });
  });
}
