import { createOperator, encode } from "@continuum/core";
import { describe, expect, it } from "vitest";
import { waitFor } from "./test-support/seed-demo.ts";
import {
  screenshots,
  haveChromium,
  journal,
  demo,
  base,
  readOnlyBase,
  openPage,
  setUpObserverInChromium,
} from "./test-support/observer-in-chromium.ts";

// The Observer's action forms in real Chromium: authorization, signal and cancel, retry from a
// failure, the audit log, repair preview and confirm; and the schedules and queues pages.

describe.skipIf(!haveChromium)("the Observer in Chromium: actions", () => {
  setUpObserverInChromium();

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
