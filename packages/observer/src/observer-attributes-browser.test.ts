import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { attr, createClient, createMemoryJournal, workflow, type Journal } from "@continuum/core";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObserver } from "./create-observer.ts";
import { toNodeHandler } from "./node-handler.ts";

// The runs page's typed attribute query in real Chromium: the form builds an attr() query
// (equality, ranges, prefix, membership) typed by the declared search attributes, the filter
// lives in the URL, keyset pages keep it, a bad query shows CTM_INVALID_ATTRIBUTE_QUERY with its
// fix line, and hostile names and values stay text. Writes guides/observer/runs-attributes.png.

const executablePath = "/usr/bin/chromium";
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"];
const screenshots = fileURLToPath(new URL("../../../guides/observer/", import.meta.url));
const haveChromium = existsSync(executablePath);

const shopOrder = workflow.stamped({
  format: 1,
  versionHash: "shoporder0000001",
  cursors: [],
  file: "shop/order.workflow.ts",
  line: 1,
})(
  "shop.order",
  {
    version: 1,
    searchAttributes: {
      customer: "keyword",
      total: "double",
      qty: "int",
      placedAt: "datetime",
      tags: "keyword[]",
    },
  },
  async () => 1,
);

const hostile = `"><script>alert("q")</script><img src=x onerror=alert(1)>`;
const runs = 120;

let journal: Journal;
let browser: Browser;
let server: Server;
let base: string;
/** Attributes of every seeded run, by run id. */
const seeded = new Map<
  string,
  { customer: string; total: number; qty: number; placedAt: string; tags: string[] }
>();

async function openPage(): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, dialogs };
}

/** The run ids of the page's table, and every next page's, following the "Older →" links. */
async function walk(page: Page): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    ids.push(
      ...(await page
        .locator("tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run-id") ?? ""))),
    );
    const next = page.locator('a[rel="next"]');
    if ((await next.count()) === 0) return ids;
    const href = (await next.getAttribute("href")) ?? "";
    expect(href).toContain("qa=total");
    await next.click();
    await page.waitForURL(/after=/);
  }
}

describe.skipIf(!haveChromium)("the runs page's attribute query in Chromium", () => {
  beforeAll(async () => {
    journal = createMemoryJournal();
    const client = createClient({ journal, namespace: "shop", workflows: [shopOrder] });
    for (let i = 0; i < runs; i++) {
      const attributes = {
        customer: i === 7 ? hostile : `c-${i % 7}`,
        total: i * 2.5,
        qty: i % 5,
        placedAt: new Date(Date.UTC(2026, 11, 1 + (i % 6), 9)).toISOString(),
        tags: i % 3 === 0 ? ["vip"] : ["eu"],
      };
      const run = await client.start(shopOrder, undefined, {
        id: `order-${String(i).padStart(3, "0")}`,
        attributes,
      });
      seeded.set(run.runId, attributes);
    }
    const handler = createObserver({ journal, workflows: [shopOrder] });
    server = createServer(toNodeHandler(handler));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath, args: flags, headless: true });
    mkdirSync(screenshots, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    server?.close();
    await journal?.close();
  });

  it("builds an equality query from the form, keeps it in the URL and shows the queried column", async () => {
    const { page } = await openPage();
    await page.goto(`${base}/`);
    // the declared attributes are offered with their types
    expect(
      await page
        .locator("#declared-attributes option")
        .evaluateAll((o) => o.map((e) => e.getAttribute("value"))),
    ).toEqual(["customer", "total", "qty", "placedAt", "tags"]);
    const row = page.locator('[data-attr-row="0"]');
    await row.getByLabel("Attribute").fill("customer");
    await row.getByLabel("Value").fill("c-3");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/qa=customer/);
    const expected = [...seeded].filter(([, a]) => a.customer === "c-3").map(([id]) => id);
    expect(await page.locator("#runs-total").textContent()).toBe(`${expected.length} matching`);
    expect(new Set(await page.locator('td[data-attr="customer"]').allTextContents())).toEqual(
      new Set(["c-3"]),
    );
    expect(new URL(page.url()).searchParams.getAll("qv")).toContain("c-3");
    await page.close();
  }, 120_000);

  it("ranges, prefix and membership page with the keyset cursor, every match once", async () => {
    const { page } = await openPage();
    const params = new URLSearchParams();
    for (const [name, op, value, to] of [
      ["total", "between", "50", "250"],
      ["customer", "prefix", "c-", ""],
      ["qty", "in", "1, 2, 3", ""],
      ["placedAt", "gte", "2026-12-02T00:00", ""],
    ]) {
      params.append("qa", name!);
      params.append("qo", op!);
      params.append("qv", value!);
      params.append("qt", to!);
    }
    await page.goto(`${base}/?${params.toString()}&limit=7`);
    const expected = [...seeded]
      .filter(
        ([, a]) =>
          a.total >= 50 &&
          a.total <= 250 &&
          a.customer.startsWith("c-") &&
          [1, 2, 3].includes(a.qty) &&
          a.placedAt >= "2026-12-02T00:00:00.000Z",
      )
      .map(([id]) => id);
    expect(expected.length).toBeGreaterThan(14); // more than two pages of 7
    await page.screenshot({ path: `${screenshots}runs-attributes.png`, fullPage: true });
    const seen = await walk(page);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen)).toEqual(new Set(expected));
    // The same filter through core's builder gives the same runs.
    const inspector = (await import("@continuum/core")).createInspector(journal, { workflows: [shopOrder] });
    const direct = await inspector.runs({
      where: attr("total")
        .between(50, 250)
        .and(
          attr("customer").startsWith("c-"),
          attr("qty").in([1, 2, 3]),
          attr("placedAt").gte("2026-12-02T00:00:00Z"),
        ),
      limit: 500,
    });
    expect(new Set(direct.runs.map((r) => r.runId))).toEqual(new Set(expected));
    // any row (OR) and a keyword[] membership
    await page.goto(`${base}/?qa=tags&qo=contains&qv=vip&qa=qty&qo=eq&qv=4&qm=any&limit=500`);
    const anyExpected = [...seeded]
      .filter(([, a]) => a.tags.includes("vip") || a.qty === 4)
      .map(([id]) => id);
    expect(await page.locator("#runs-total").textContent()).toBe(`${anyExpected.length} matching`);
    await page.close();
  }, 120_000);

  it.each([
    [
      "qa=customer&qo=gt&qv=5",
      /range with numeric bounds, but the attribute is keyword/,
      /customer is declared keyword/,
    ],
    ["qa=qty&qo=eq&qv=abc", /"abc" is not a value of int/, /qty is declared int/],
    ["qa=total&qo=prefix&qv=1", /prefix match, but the attribute is double/, /total is declared double/],
    ["qa=colour&qo=eq&qv=red", /"colour" is not declared by the known workflows/, /customer, total, qty/],
  ])(
    "%s shows CTM_INVALID_ATTRIBUTE_QUERY with its fix line and keeps the form",
    async (query, message, fix) => {
      const { page } = await openPage();
      await page.goto(`${base}/?${query}`);
      const error = page.locator("#query-error");
      await error.waitFor();
      expect(await error.textContent()).toContain("CTM_INVALID_ATTRIBUTE_QUERY");
      expect(await error.textContent()).toMatch(message);
      expect(await error.locator(".muted").textContent()).toMatch(fix);
      expect(await page.locator('[data-attr-row="0"] input[name="qa"]').inputValue()).toBe(
        new URLSearchParams(query).get("qa"),
      );
      expect(await page.locator("tbody tr").count()).toBe(0);
      await page.close();
    },
    60_000,
  );

  it("renders hostile attribute names and values as text, in the form, the table and the error", async () => {
    const { page, dialogs } = await openPage();
    const q = new URLSearchParams({ qa: "customer", qo: "eq", qv: hostile });
    await page.goto(`${base}/?${q.toString()}`);
    expect(await page.locator('td[data-attr="customer"]').allTextContents()).toEqual([hostile]);
    expect(await page.locator('[data-attr-row="0"] input[name="qv"]').inputValue()).toBe(hostile);
    const bad = new URLSearchParams({ qa: hostile, qo: "eq", qv: hostile });
    await page.goto(`${base}/?${bad.toString()}`);
    await page.locator("#query-error").waitFor();
    expect(await page.locator('[data-attr-row="0"] input[name="qa"]').inputValue()).toBe(hostile);
    expect(await page.locator("script:not([src])").count()).toBe(0);
    expect(await page.locator("img[src=x]").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 60_000);
});
