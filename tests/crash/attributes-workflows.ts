import { setAttributes, signal, workflow } from "@continuum/core";

// Hand-stamped (transformer/SPEC.md section 1), like crash-workflows.ts: the engine processes
// run with plain node.

/**
 * Sets its search attributes, waits for a signal, sets them again. The crash test kills the
 * engine while the run waits: the first attributes_set is journaled and applied; the engine that
 * takes over replays it and writes only the second.
 */
export const stagedFlow = workflow.stamped({
  format: 1,
  versionHash: "attrsflow0000001",
  cursors: ["setAttributes:#0", "signal:go#0", "setAttributes:#1"],
  file: "tests/crash/attributes-workflows.ts",
  line: 11,
})(
  "attrs.staged",
  { version: 1, searchAttributes: { stage: "keyword", step: "int", engine: "int" } },
  async () => {
    setAttributes.at("setAttributes:#0")({ stage: "waiting", step: 1, engine: process.pid });
    const more = await signal.at("signal:go#0")<number>("go");
    setAttributes.at("setAttributes:#1")({ stage: "done", step: 1 + more });
    return more;
  },
);
