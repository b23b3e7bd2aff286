import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createMemoryJournal, createOperator, encode, type Journal } from "@continuum/core";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObserver } from "./create-observer.ts";
import { toNodeHandler } from "./node-handler.ts";
import { demoManifest } from "./test-support/demo-workflows.ts";
import { seedDemo, waitFor, type Demo } from "./test-support/seed-demo.ts";
import { xssPayloads } from "./test-support/xss-payloads.ts";

// The Observer in real Chromium (Debian's package, driven by playwright-core): navigation,
// filters, live updates, the action forms, hostile data rendered as text, and pagination over
// 10,000 runs. It writes the screenshots of guides/observer.md.

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
const screenshots = fileURLToPath(new URL("../../../guides/observer/", import.meta.url));
const haveChromium = existsSync(executablePath);
if (!haveChromium)
  console.warn(
    `observer browser tests skipped: no ${executablePath} (apt-get install -y chromium; .ci/run installs it)`,
  );

let journal: Journal;
let demo: Demo;
let browser: Browser;
let server: Server;
let base: string;
let readOnlyServer: Server;
let readOnlyBase: string;
let bulkCount = 0;

async function listen(handler: ReturnType<typeof createObserver>): Promise<[Server, string]> {
  const s = createServer(toNodeHandler(handler));
  await new Promise<void>((done) => s.listen(0, "127.0.0.1", () => done()));
  return [s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`];
}

/** A page that records every dialog (an executed alert would open one) and every CSP violation. */
async function openPage(
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

describe.skipIf(!haveChromium)("the Observer in Chromium", () => {
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
    const { nightlyReport } = await import("./test-support/demo-workflows.ts");
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

  it("navigates runs, a run, workflows and health, and takes their screenshots", async () => {
    const { page, dialogs, errors } = await openPage();
    await page.goto(`${base}/?namespace=shop`);
    await page.locator("#status-counts").waitFor();
    expect(await page.locator('[data-count="failed"]').textContent()).toBe("2");
    await page.screenshot({ path: `${screenshots}runs.png`, fullPage: true });

    await page.getByRole("link", { name: "order-1001", exact: true }).click();
    await page.getByRole("heading", { name: /Timeline/ }).waitFor();
    expect(await page.locator(".badge").first().textContent()).toBe("running");
    await expect.poll(() => page.locator(".source").count()).toBeGreaterThan(2);
    expect(await page.getByText("examples/demo/shop.workflow.ts:15:5").count()).toBeGreaterThan(0);
    expect(await page.getByRole("heading", { name: /Pending timers/ }).count()).toBe(1);
    expect(await page.getByText("psp unavailable (attempt 1)").count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${screenshots}run.png`, fullPage: true });

    await page.goto(`${base}/runs/trip-42`);
    await page.locator(".failure .error-code").waitFor();
    expect(await page.locator(".failure .error-code").textContent()).toBe("CTM_ACTIVITY_FAILURE");
    expect(await page.locator(".failure .error-fix").first().textContent()).toContain(
      "catch ActivityFailure",
    );
    // The hotel's compensation ran as a journaled activity under compensateAll's identity.
    expect(await page.locator(".event .identity", { hasText: "compensateAll:#0@0" }).count()).toBeGreaterThan(
      0,
    );
    await page.screenshot({ path: `${screenshots}run-failed.png`, fullPage: true });

    await page.goto(`${base}/runs/${demo.runs.continued}`);
    await page.getByText("Continues as").waitFor();
    await page.locator("dd a.mono").first().click();
    await page.getByText("Continued from").waitFor();

    await page.goto(`${base}/runs/fanout-1`);
    await page.getByRole("heading", { name: /Children/ }).waitFor();
    expect(await page.locator("section", { hasText: "Children" }).locator("tbody tr").count()).toBe(3);

    await page.getByRole("link", { name: "Workflows" }).click();
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    expect(await page.locator("td.wf", { hasText: "trip" }).count()).toBe(1);
    await page.screenshot({ path: `${screenshots}workflows.png`, fullPage: true });

    await page.getByRole("link", { name: "Health" }).click();
    await page.getByRole("heading", { name: "Health" }).waitFor();
    expect(await page.getByText("Dead letters").count()).toBe(1);
    await page.screenshot({ path: `${screenshots}health.png`, fullPage: true });

    const phone = await openPage(390, 844);
    await phone.page.goto(`${base}/`);
    await phone.page.locator("#status-counts").waitFor();
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await phone.page.screenshot({ path: `${screenshots}runs-phone.png`, fullPage: false });
    await phone.page.goto(`${base}/runs/order-1001`);
    await phone.page.getByRole("heading", { name: /Timeline/ }).waitFor();
    await phone.page.screenshot({ path: `${screenshots}run-phone.png`, fullPage: false });
    await phone.page.close();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it("filters by workflow, status and id prefix through the form", async () => {
    const { page } = await openPage();
    await page.goto(`${base}/?namespace=shop`);
    await page.getByLabel("Workflow").fill("order");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/workflow=order/);
    const names = await page.locator("tbody td.wf").allTextContents();
    expect(names.length).toBe(2);
    expect(new Set(names)).toEqual(new Set(["order"]));

    await page.goto(`${base}/?namespace=shop`);
    await page.locator('input[name="status"][value="failed"]').check();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/status=failed/);
    expect(new Set(await page.locator("tbody td.wf").allTextContents())).toEqual(
      new Set(["imports.batch", "trip"]),
    );

    await page.goto(`${base}/`);
    await page.getByLabel("Search").fill("nightly-report-2026-12-06");
    await page.getByLabel("Search").press("Enter");
    await page.waitForURL(/search=/);
    expect(await page.locator("tbody tr").count()).toBe(1);
    expect(await page.locator("tbody tr").getAttribute("data-status")).toBe("cancelled");

    // A status chip filters to that status.
    await page.goto(`${base}/?namespace=shop`);
    await page.locator('.chip[data-status="continued"]').click();
    await page.waitForURL(/status=continued/);
    expect(await page.locator("tbody tr").count()).toBe(3);
    await page.close();
  }, 300_000);

  it("updates the runs page and the run page live when a run completes", async () => {
    const run = await demo.client.start(
      (await import("./test-support/demo-workflows.ts")).inbox,
      { signal: "finish" },
      { id: "live-1" },
    );
    await waitFor(async () => (await demo.inspector.run(run.runId))?.run.lastSeq === 2 || undefined);
    const list = await openPage();
    await list.page.goto(`${base}/?search=live-1`);
    await list.page.locator('tr[data-status="running"]').waitFor();
    await list.page.locator("body[data-live-ready]").waitFor();
    const detail = await openPage();
    await detail.page.goto(`${base}/runs/live-1`);
    await detail.page.locator("body[data-live-ready]").waitFor();

    await demo.client.signal(run.runId, "finish", { done: true });
    await list.page.locator('tr[data-status="completed"]').waitFor();
    expect(await list.page.locator('[data-count="completed"]').textContent()).toBe("1");
    await detail.page.locator(".badge.status-completed").waitFor();
    await detail.page.locator(".event .kind", { hasText: "run_completed" }).waitFor();
    // The pages were patched, not reloaded: the navigation count stayed at one.
    expect(await list.page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
    await list.page.close();
    await detail.page.close();
  }, 300_000);

  it("renders 56 XSS payloads in names, ids, attributes, payloads, signal names and errors as inert text", async () => {
    expect(xssPayloads.length).toBeGreaterThanOrEqual(50);
    const { page, dialogs, errors } = await openPage();
    const injected = () =>
      page.evaluate(
        () =>
          document.querySelectorAll(
            "script:not([src]), iframe, object, embed, svg, img, video, audio, marquee, math, template, base, meta[http-equiv], link:not([rel=stylesheet]), [onerror], [onload], [onfocus], [onmouseover], [onclick], [ontoggle], [onstart], style",
          ).length,
      );
    await page.goto(`${base}/?namespace=xss&limit=100`);
    expect(await page.locator("tbody tr").count()).toBe(xssPayloads.length);
    expect(await injected()).toBe(0);
    const text = await page.locator("tbody").innerText();
    for (const payload of xssPayloads) expect(text).toContain(payload);

    const runIds = await page
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-run-id")!));
    for (const runId of runIds) {
      await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
      await page.locator("h1").waitFor();
      await page.locator("[data-toggle-details=open]").first().click();
      expect(await injected()).toBe(0);
      const name = (await page.locator("h1 .wf").textContent())!;
      expect(xssPayloads).toContain(name);
      const body = await page.locator("main").innerText();
      expect(body).toContain(`${name} #`);
      // Open runs show the hostile signal in their inbox; failed ones its error (their inbox was dropped).
      const failed = (await page.locator(".run-head .badge").textContent()) === "failed";
      expect(body).toContain(failed ? `fix: ${name}` : "signal_received");
    }
    await page.goto(`${base}/workflows?namespace=xss`);
    expect(await injected()).toBe(0);
    await page.goto(`${base}/?namespace=xss&workflow=${encodeURIComponent(xssPayloads[1]!)}`);
    expect(await page.locator('input[name="workflow"]').inputValue()).toBe(xssPayloads[1]);
    expect(await injected()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it("pages through 10,000 runs with keyset cursors, both ways", async () => {
    expect(bulkCount).toBe(10_000);
    const { page } = await openPage();
    await page.goto(`${base}/?namespace=bulk`);
    expect(await page.locator("#runs-total").textContent()).toBe("10000 matching");
    const ids = () => page.locator("tbody tr td:nth-child(3)").allTextContents();
    const first = await ids();
    expect(first[0]).toBe("bulk-09999");
    expect(first).toHaveLength(50);
    const seen = new Set(first);
    for (let i = 1; i <= 4; i++) {
      await page.getByRole("link", { name: "Older →" }).click();
      await page.waitForURL(/after=/);
      const pageIds = await ids();
      expect(pageIds[0]).toBe(`bulk-${String(9999 - 50 * i).padStart(5, "0")}`);
      for (const id of pageIds) seen.add(id);
    }
    expect(seen.size).toBe(250);
    await page.getByRole("link", { name: "← Newer" }).click();
    await page.waitForURL(/before=/);
    expect((await ids())[0]).toBe(`bulk-${String(9999 - 150).padStart(5, "0")}`);
    await page.close();
  }, 300_000);

  it("acts only with authorization: read-only mode has no forms; an operator sends a signal and cancels", async () => {
    const readOnly = await openPage();
    await readOnly.page.goto(`${readOnlyBase}/runs/order-1001`);
    await readOnly.page.getByRole("heading", { name: /Timeline/ }).waitFor();
    expect(await readOnly.page.locator("form[method=post]").count()).toBe(0);
    expect(await readOnly.page.locator(".mode").textContent()).toBe("read-only");
    await readOnly.page.close();

    const { page } = await openPage();
    await page.context().addCookies([{ name: "operator", value: "ann", url: base }]);
    await page.goto(`${base}/runs/order-1001`);
    await page.getByLabel("Signal name").fill("fraud_review");
    await page.getByLabel("Payload (JSON)").fill('"approved"');
    await page.getByRole("button", { name: "Send signal" }).click();
    await page.getByText("Signal sent.").waitFor();
    await page.locator(".badge.status-completed").waitFor();
    await page.screenshot({ path: `${screenshots}run-signalled.png`, fullPage: false });

    await page.goto(`${base}/runs/nightly-report-2026-12-07`);
    await page.getByLabel("Reason").fill("no longer needed");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByText("Cancellation requested").waitFor();
    await page.locator(".badge.status-cancelled").waitFor();

    // A form posted from another origin (no session cookie, no token) is refused.
    const forged = await page.evaluate(async (target) => {
      const response = await fetch(target, {
        method: "POST",
        body: new URLSearchParams({ name: "x" }),
        credentials: "omit",
      });
      return response.status;
    }, `${base}/runs/inbox-1/signal`);
    expect(forged).toBe(403);
    await page.close();
  }, 300_000);

  it("retries a failed run from its failure only with authorization, and audits it", async () => {
    const failedRunId = (await demo.inspector.run("trip-42"))!.run.runId;
    // Without authorization (no operator cookie): the form is there, the post is refused.
    const stranger = await openPage();
    await stranger.page.goto(`${base}/runs/${failedRunId}`);
    await stranger.page.getByRole("button", { name: "Retry from failure" }).click();
    await stranger.page.getByText("You are not allowed to do this here.").waitFor();
    expect((await demo.inspector.run("trip-42"))!.run.runId).toBe(failedRunId);
    await stranger.page.close();

    const { page } = await openPage();
    await page.context().addCookies([{ name: "operator", value: "ann", url: base }]);
    await page.goto(`${base}/runs/${failedRunId}`);
    await page.getByRole("button", { name: "Retry from failure" }).click();
    await page.getByText("Retried from the failure").waitFor();
    const newRunId = await page.locator("dd .mono").first().textContent();
    expect(newRunId).not.toBe(failedRunId);
    // The new run replayed the history up to the failure: its copied events are in its timeline.
    expect(await page.locator(".event .kind", { hasText: "activity_completed" }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${screenshots}run-retried.png`, fullPage: false });

    // The failed run is unchanged and lists the retry under its operator actions.
    await page.goto(`${base}/runs/${failedRunId}`);
    const entry = page.locator('#operator-actions tr[data-action="retry"]');
    await entry.waitFor();
    expect(await page.locator(".run-head .badge").textContent()).toBe("failed");
    expect(await entry.getAttribute("data-outcome")).toBe("succeeded");
    expect(await entry.locator(".actor").textContent()).toBe("ann");
    expect(await entry.innerText()).toContain(newRunId);
    expect(await entry.innerText()).toContain("observer · 127.0.0.1");

    const { entries } = await demo.inspector.auditLog({ runId: failedRunId });
    expect(entries.map((e) => `${e.action}:${e.outcome}:${e.actor}`)).toEqual(["retry:succeeded:ann"]);
    await page.close();
  }, 300_000);

  it("lists operator actions on the audit page, newest first, with pagination", async () => {
    // Earlier tests acted through the Observer; add enough entries for a second page.
    const operator = createOperator({ journal, actor: "bob", origin: { via: "cli" } });
    for (let i = 0; i < 50; i++)
      await operator.signal(demo.runs.completed, `ping_${i}`).catch(() => undefined);
    const { page } = await openPage();
    await page.goto(`${base}/`);
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const rows = page.locator("table.audit tbody tr");
    expect(await rows.count()).toBe(50);
    expect(await rows.first().locator(".actor").textContent()).toBe("bob");
    expect(await rows.first().innerText()).toContain("ping_49");
    await page.screenshot({ path: `${screenshots}audit.png`, fullPage: false });
    await page.getByRole("link", { name: "Older →" }).click();
    await page.waitForURL(/before=/);
    const older = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ""));
    expect(older.some((text) => text.includes("ann"))).toBe(true);
    expect(older.some((text) => text.includes("ping_49"))).toBe(false);
    await page.close();
  }, 300_000);

  it("previews a repair without writing anything, then repairs exactly the previewed items", async () => {
    const expire = async (ids: string[], exclude: string[] = []) => {
      for (const id of ids)
        await journal.startRun({
          namespace: "repair",
          workflowId: id,
          workflowName: "repair.job",
          versionHash: "v1",
          input: encode(id),
          attributes: {},
        });
      const claims = await journal.claimRuns({
        owner: "dead-engine",
        namespace: "repair",
        limit: 10,
        leaseMs: 1,
        exclude,
      });
      expect(claims).toHaveLength(ids.length);
      return claims.map((c) => c.run.runId);
    };
    const stale = await expire(["stale-1", "stale-2", "stale-3"]);
    const leaseOf = async (runId: string) => {
      const run = (await journal.getRun(runId))!;
      return `${run.leaseOwner ?? "none"}/${run.fencingToken}`;
    };
    const before = await Promise.all(stale.map(leaseOf));
    const auditBefore = (await demo.inspector.auditLog({ limit: 1000 })).entries.length;

    const { page } = await openPage();
    await page.context().addCookies([{ name: "operator", value: "ann", url: base }]);
    // Expired 1 ms after the claim; the health page below counts conditions older than 1 ms.
    const expiry = Math.max(
      ...(await Promise.all(stale.map(async (id) => (await journal.getRun(id))!.leaseExpiresAt!))),
    );
    await waitFor(async () => Date.now() > expiry + 5);
    await page.goto(`${base}/health?staleAfterMs=1`);
    await page
      .locator(".finding", { hasText: "Expired run leases" })
      .getByRole("link", { name: "Preview repair" })
      .click();
    await page.getByText("dry run: nothing was changed").waitFor();
    const previewed = await page
      .locator("table.plan tbody tr")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-run-id")!));
    for (const runId of stale) expect(previewed).toContain(runId);
    await page.screenshot({ path: `${screenshots}repair-preview.png`, fullPage: false });
    // The preview wrote nothing: same leases, same fencing tokens, no audit entry.
    expect(await Promise.all(stale.map(leaseOf))).toEqual(before);
    expect((await demo.inspector.auditLog({ limit: 1000 })).entries).toHaveLength(auditBefore);

    // A lease that expires after the preview is not in the plan, so the confirm leaves it alone.
    const [late] = await expire(["stale-late"], stale);
    await page.getByRole("button", { name: /Repair these \d+ items?/ }).click();
    await page.getByText(`Repair done: ${previewed.length} applied, 0 skipped`).waitFor();
    for (const runId of previewed) expect((await journal.getRun(runId))!.leaseOwner).toBeUndefined();
    expect(await leaseOf(late!)).toMatch(/^dead-engine\//);
    const [entry] = (await demo.inspector.auditLog({ limit: 1 })).entries;
    expect(entry).toMatchObject({ action: "repair", actor: "ann", outcome: "succeeded" });
    expect(entry!.result).toMatchObject({ applied: previewed.length, skipped: 0 });

    await page.close();
  }, 300_000);

  it("shows schedules (pattern, zone, paused, next fires) and queues (limits, backlog, running)", async () => {
    const { page } = await openPage();
    await page.goto(`${base}/`);
    await page.getByRole("link", { name: "Schedules" }).click();
    await page.getByRole("heading", { name: "Schedules" }).waitFor();
    const nightly = page.locator('tr[data-schedule="nightly-digest"]');
    expect(await nightly.getAttribute("data-paused")).toBe("0");
    expect(await nightly.innerText()).toContain("0 6 * * *");
    expect(await nightly.innerText()).toContain("Europe/Paris");
    expect(await nightly.locator(".upcoming time").count()).toBe(3);
    const hourly = page.locator('tr[data-schedule="hourly-sync"]');
    expect(await hourly.getAttribute("data-paused")).toBe("1");
    expect(await hourly.innerText()).toContain("every 1 h");
    expect(await hourly.locator(".upcoming time").count()).toBe(0);
    await page.screenshot({ path: `${screenshots}schedules.png`, fullPage: false });

    await page.getByRole("link", { name: "Queues" }).click();
    await page.getByRole("heading", { name: "Queues" }).waitFor();
    const emails = page.locator('tr[data-queue="emails"]');
    expect(await emails.locator("[data-backlog]").textContent()).toBe("3");
    expect(await emails.locator("[data-running]").textContent()).toBe("0");
    expect(await emails.locator("[data-activities]").innerText()).toBe("0 waiting, 0 running");
    expect(await emails.innerText()).toContain("100 per 1 m");
    // A partitioned queue lists its backlog per key, keys rendered as text.
    const keys = page.locator('table[data-partitions="per-customer"] tr[data-partition]');
    expect(await keys.evaluateAll((rows) => rows.map((row) => (row as HTMLElement).innerText))).toEqual([
      "c-2\t1\t0",
      "c-<b>1</b>\t2\t0",
    ]);
    await page.screenshot({ path: `${screenshots}queues.png`, fullPage: false });
    await page.close();
  }, 300_000);
});
