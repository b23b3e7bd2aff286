// The Observer in real Chromium (Debian's package, driven by playwright-core): the shared
// fixture of observer-browser.test.ts (pages) and observer-browser-actions.test.ts (actions).
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createMemoryJournal, encode, type Journal } from "@continuum/core";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { createObserver } from "../create-observer.ts";
import { toNodeHandler } from "../node-handler.ts";
import { demoManifest } from "./demo-workflows.ts";
import { seedDemo, type Demo } from "./seed-demo.ts";
import { xssPayloads } from "./xss-payloads.ts";

const executablePath = "/usr/bin/chromium";
const flags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** Where the screenshots of guides/observer.md are written. */
export const screenshots = fileURLToPath(new URL("../../../../guides/observer/", import.meta.url));
/** The suites are skipped (with a warning) on a machine without Chromium. */
export const haveChromium = existsSync(executablePath);
if (!haveChromium)
  console.warn(
    `observer browser tests skipped: no ${executablePath} (apt-get install -y chromium; .ci/run installs it)`,
  );

/** The suite's journal (set by `setUpObserverInChromium`'s beforeAll). */
export let journal: Journal;
/** The demo seeded into {@link journal}: its client, inspector and run ids. */
export let demo: Demo;
let browser: Browser;
let server: Server;
/** The authorizing Observer's address (an `operator=ann` cookie authorizes). */
export let base: string;
let readOnlyServer: Server;
/** A read-only Observer's address (no authorize: no forms). */
export let readOnlyBase: string;
/** How many bulk runs the seed started (10,000). */
export let bulkCount = 0;

async function listen(handler: ReturnType<typeof createObserver>): Promise<[Server, string]> {
  const s = createServer(toNodeHandler(handler));
  await new Promise<void>((done) => s.listen(0, "127.0.0.1", () => done()));
  return [s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`];
}

/** A page that records every dialog (an executed alert would open one) and every CSP violation. */
export async function openPage(
  width = 1280,
  height = 900,
): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, dialogs, errors };
}

/**
 * Seeds one memory journal (the demo, hostile data, 10,000 bulk runs, schedules, queues), serves
 * it through two Observers (an authorizing one at `base`, a read-only one at `readOnlyBase`) and
 * launches Chromium: call it inside the suite's `describe`, whose tests then read the bindings.
 */
export function setUpObserverInChromium(): void {
  beforeAll(async () => {
    journal = createMemoryJournal();
    demo = await seedDemo(journal);
    // Hostile data in every field the pages show, written through the journal port (as a
    // foreign writer could): workflow names, ids, attributes, inputs, signal names and
    // payloads, error messages.
    for (const [i, payload] of xssPayloads.entries()) {
      const { run } = await journal.startRun({
        namespace: "xss",
        workflowId: `${payload} #${i}`,
        workflowName: payload,
        versionHash: `v-${i}`,
        input: encode({ note: payload, [payload]: i }),
        attributes: { label: encode(payload) },
      });
      await journal.sendSignal({ runId: run.runId, name: payload, payload: encode(payload) });
    }
    const failing = (await journal.claimRuns({ owner: "xss", limit: 100, leaseMs: 60_000 })).filter(
      (claim) => claim.run.namespace === "xss",
    );
    for (const claim of failing.slice(0, 20)) {
      const error = {
        name: claim.run.workflowName,
        message: `${claim.run.workflowName}\n  fix: ${claim.run.workflowName}`,
        code: claim.run.workflowName,
      };
      await journal.commitStep({
        lease: claim.lease,
        lastSeq: claim.run.lastSeq,
        delivered: [],
        events: [{ kind: "run_failed", error }],
        tasks: [],
        timers: [],
        cancelTimers: [],
        run: { status: "failed", error },
      });
    }
    for (let i = 0; i < 10_000; i++) {
      await journal.startRun({
        namespace: "bulk",
        workflowId: `bulk-${String(i).padStart(5, "0")}`,
        workflowName: "bulk.job",
        versionHash: "v1",
        input: encode(i),
        attributes: {},
      });
      bulkCount++;
    }
    // A schedule of each kind (cron in a time zone; every, paused) and a queue with a backlog.
    const { nightlyReport } = await import("./demo-workflows.ts");
    await demo.client.schedules.create("nightly-digest", {
      cron: "0 6 * * *",
      timezone: "Europe/Paris",
      workflow: nightlyReport,
      input: { hours: 1 },
    });
    await demo.client.schedules.create("hourly-sync", {
      every: 3_600_000,
      workflow: nightlyReport,
      input: { hours: 1 },
      paused: true,
    });
    await journal.defineQueues([
      {
        name: "emails",
        concurrency: 5,
        perEngineConcurrency: 2,
        rateLimit: { limit: 100, periodMs: 60_000 },
      },
      { name: "per-customer", concurrency: 1, partitioned: true },
    ]);
    for (let i = 0; i < 3; i++)
      await journal.startRun({
        namespace: "queued",
        workflowId: `email-${i}`,
        workflowName: "email.send",
        versionHash: "v1",
        input: encode(i),
        attributes: {},
        queue: { name: "emails" },
      });
    for (const [i, customer] of ["c-<b>1</b>", "c-<b>1</b>", "c-2"].entries())
      await journal.startRun({
        namespace: "queued",
        workflowId: `sync-${i}`,
        workflowName: "customer.sync",
        versionHash: "v1",
        input: encode(i),
        attributes: {},
        queue: { name: "per-customer", partitionKey: customer },
      });
    [server, base] = await listen(
      createObserver({
        journal,
        manifest: demoManifest,
        pollIntervalMs: 200,
        authorize: (request) => request.headers.get("cookie")?.includes("operator=ann") === true,
        actor: (request) => /operator=(\w+)/.exec(request.headers.get("cookie") ?? "")?.[1] ?? "anonymous",
      }),
    );
    [readOnlyServer, readOnlyBase] = await listen(createObserver({ journal, pollIntervalMs: 200 }));
    browser = await chromium.launch({ executablePath, args: flags, headless: true });
    mkdirSync(screenshots, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    server?.close();
    readOnlyServer?.closeAllConnections();
    readOnlyServer?.close();
    await demo?.stop();
    await journal?.close();
  }, 300_000);
}
