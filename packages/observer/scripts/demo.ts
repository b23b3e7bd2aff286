// `pnpm observer:demo`: the Observer on an embedded, in-memory PGlite journal with runs in every
// state (waiting on a signal, completed, sleeping, failed, compensated, cancelled,
// continued-as-new, a parent with children), actions enabled for this local demo only.
import { createServer } from "node:http";
import { openJournal } from "@continuum/core";
import { createObserver, toNodeHandler } from "../src/index.ts";
import { demoManifest } from "../src/test-support/demo-workflows.ts";
import { seedDemo } from "../src/test-support/seed-demo.ts";

const port = Number(process.env["PORT"] ?? 4000);
console.log("starting an embedded PGlite journal (a few seconds)...");
const journal = await openJournal({ dataDir: "memory://" });
const demo = await seedDemo(journal);
const observer = createObserver({
  journal,
  manifest: demoManifest,
  // Local demo: everyone who reaches 127.0.0.1 may act. A real app checks its own session here.
  authorize: () => true,
});
const server = createServer(toNodeHandler(observer));
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  console.log(`Observer demo at http://127.0.0.1:${bound}/  (Ctrl-C stops it)`);
  console.log(`  a run waiting for its fraud review: http://127.0.0.1:${bound}/runs/order-1001`);
});
const shutdown = async () => {
  server.closeAllConnections();
  server.close();
  await demo.stop();
  await journal.close();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());
