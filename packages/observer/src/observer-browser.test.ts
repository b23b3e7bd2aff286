import { describe, expect, it } from "vitest";
import { waitFor } from "./test-support/seed-demo.ts";
import { xssPayloads } from "./test-support/xss-payloads.ts";
import {
  screenshots,
  haveChromium,
  demo,
  base,
  bulkCount,
  openPage,
  setUpObserverInChromium,
} from "./test-support/observer-in-chromium.ts";

// The Observer in real Chromium (Debian's package, driven by playwright-core): navigation,
// filters, live updates, hostile data rendered as text, and pagination over 10,000 runs. The
// action forms: observer-browser-actions.test.ts. Both write the screenshots of guides/observer.md.

describe.skipIf(!haveChromium)("the Observer in Chromium", () => {
  setUpObserverInChromium();

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
            "script:not([src]), iframe, object, embed, svg, img, video, audio, marquee, math, template, base, meta[http-equiv], link:not([rel=stylesheet]):not([rel=icon][href='data:,']), [onerror], [onload], [onfocus], [onmouseover], [onclick], [ontoggle], [onstart], style",
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
});
