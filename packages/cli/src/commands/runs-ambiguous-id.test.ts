import { openJournal, type Journal, type OpenJournalOptions } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { cliBackends } from "../test-support/cli-backends.ts";
import { captured } from "../test-support/captured-io.ts";

// Two tenants may use the same workflow id. Commands that change a run refuse a workflow id that
// names runs in several namespaces unless --namespace says which; `runs list` shows the namespace.

for (const backend of cliBackends("ambiguous")) {
  describe(`a workflow id in two namespaces, on ${backend.name}`, () => {
    let open: OpenJournalOptions;
    let env: Record<string, string>;
    let extra: string[];
    const runIds: Record<string, string> = {};
    const cli = async (argv: string[]) => {
      const io = captured(env);
      const code = await main([...argv, ...extra], io);
      return { code, out: io.out(), err: io.err() };
    };
    const withJournal = async <T>(body: (journal: Journal) => Promise<T>): Promise<T> => {
      const journal = await openJournal(open);
      try {
        return await body(journal);
      } finally {
        await journal.close();
      }
    };

    beforeAll(async () => {
      const setup = await backend.setup();
      ({ open, env, args: extra } = setup);
      await withJournal(async (journal) => {
        for (const namespace of ["tenant-a", "tenant-b"]) {
          const started = await journal.startRun({
            namespace,
            workflowId: "invoice-7",
            workflowName: "invoice",
            versionHash: "v1",
            input: null,
          });
          runIds[namespace] = started.run.runId;
        }
      });
    }, 120_000);
    afterAll(() => backend.teardown());

    it("cancel and signal refuse the bare workflow id, naming both namespaces, and change nothing", async () => {
      for (const argv of [
        ["runs", "cancel", "invoice-7"],
        ["runs", "signal", "invoice-7", "go"],
      ]) {
        const refused = await cli(argv);
        expect(refused.code).toBe(2);
        expect(refused.err).toContain('names runs in namespaces "tenant-a", "tenant-b"');
        expect(refused.err).toContain("--namespace");
      }
      const audit = await cli(["audit-log", "--json"]);
      expect(audit.code).toBe(0);
      expect(audit.out).not.toContain("invoice-7");
      expect(audit.out).not.toContain(runIds["tenant-a"]!);
      expect(audit.out).not.toContain(runIds["tenant-b"]!);
    });

    it("with --namespace, or a run id, the command reaches exactly that run", async () => {
      const cancelled = await cli(["runs", "cancel", "invoice-7", "--namespace", "tenant-b", "--json"]);
      expect(cancelled.code).toBe(0);
      expect(JSON.parse(cancelled.out)).toMatchObject({ runId: runIds["tenant-b"] });
      const signalled = await cli(["runs", "signal", runIds["tenant-a"]!, "go", "--json"]);
      expect(signalled.code).toBe(0);
      expect(JSON.parse(signalled.out)).toMatchObject({ runId: runIds["tenant-a"] });
    });

    it("runs list shows each run's namespace", async () => {
      const listed = await cli(["runs", "list"]);
      expect(listed.code).toBe(0);
      const rows = listed.out
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((line) => line.split("\t").slice(0, 3));
      expect(rows).toEqual(
        expect.arrayContaining([
          [runIds["tenant-a"], "tenant-a", "invoice-7"],
          [runIds["tenant-b"], "tenant-b", "invoice-7"],
        ]),
      );
    });
  });
}
