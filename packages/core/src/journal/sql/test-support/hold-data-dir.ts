/**
 * A separate process for the data-directory lock tests: opens an embedded journal (`journal`)
 * or only takes the directory's lock (`lock`) and holds it until told `close` on stdin.
 *
 *   node hold-data-dir.ts journal|lock <dataDir>
 *
 * Prints one line per step: `open <pid>`, `error <json>` (then exits 2), `closed`.
 */
import { createInterface } from "node:readline";
import { isContinuumError } from "../../../errors/index.ts";
import { openJournal } from "../../open-journal.ts";
import { lockDataDir } from "../data-dir-lock.ts";

const [mode, dataDir] = process.argv.slice(2);
if ((mode !== "journal" && mode !== "lock") || dataDir === undefined) {
  console.error("usage: hold-data-dir.ts journal|lock <dataDir>");
  process.exit(64);
}

let close: () => Promise<void>;
try {
  if (mode === "journal") {
    const journal = await openJournal({ dataDir, partitionMonthsAhead: 1 });
    // A run of our own, so the next opener can show it sees what this process wrote.
    await journal.startRun({
      namespace: "lock-test",
      workflowId: `held-by-${process.pid}`,
      workflowName: "wf",
      versionHash: "h",
      input: null,
    });
    close = () => journal.close();
  } else {
    const lock = await lockDataDir(dataDir);
    close = async () => lock.release();
  }
} catch (error) {
  const shown = isContinuumError(error)
    ? { code: error.code, message: error.message, data: error.data }
    : { message: String(error) };
  console.log(`error ${JSON.stringify(shown)}`);
  process.exit(2);
}
console.log(`open ${process.pid}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "close") {
    await close();
    console.log("closed");
    process.exit(0);
  }
}
// Stdin ended without `close` (the test runner went away): leave through the exit hook.
process.exit(0);
