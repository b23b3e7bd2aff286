import { createMemoryJournal, encode, serializeError, RunNotFoundError, type Journal } from "@continuum/core";
import { afterEach, describe, expect, it } from "vitest";
import { createObserver } from "./create-observer.ts";
import type { ObserverAction } from "./observer-options.ts";
import { contentSecurityPolicy } from "./responses.ts";

// The handler as a host mounts it: status codes, headers, escaping, read-only mode and the
// CSRF and authorize checks of the action forms, over the in-memory journal.

const journals: Journal[] = [];
afterEach(async () => {
  for (const journal of journals.splice(0)) await journal.close();
});

async function seeded() {
  const journal = createMemoryJournal();
  journals.push(journal);
  const start = (workflowId: string, workflowName: string, attributes: Record<string, unknown> = {}) =>
    journal.startRun({
      namespace: "shop",
      workflowId,
      workflowName,
      versionHash: "v1",
      input: encode({ note: "<img src=x onerror=alert(1)>" }),
      attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, encode(v)])),
    });
  const open = (await start("order-1", "order")).run.runId;
  const hostile = (
    await start(`"><script>alert(1)</script>`, `<b onmouseover=alert(2)>wf</b>`, {
      "<k>": "</td><svg onload=alert(3)>",
    })
  ).run.runId;
  const failed = (await start("order-2", "order")).run.runId;
  const [claim] = await journal
    .claimRuns({ owner: "seed", limit: 10, leaseMs: 60_000 })
    .then((claims) => claims.filter((c) => c.run.runId === failed));
  const error = serializeError(new RunNotFoundError("<script>alert(4)</script>"));
  await journal.commitStep({
    lease: claim!.lease,
    lastSeq: 1,
    delivered: [],
    events: [{ kind: "run_failed", error }],
    tasks: [],
    timers: [],
    cancelTimers: [],
    run: { status: "failed", error },
  });
  return { journal, open, hostile, failed };
}

const get = (handler: (r: Request) => Promise<Response>, path: string, init?: RequestInit) =>
  handler(new Request(`http://observer.test${path}`, init));

describe("createObserver", () => {
  it("serves every page with 200, the strict CSP and no-store, and 404 for unknown pages and runs", async () => {
    const { journal, open, failed } = await seeded();
    const handler = createObserver({ journal });
    for (const path of [
      "/",
      "/workflows",
      "/health",
      "/audit",
      "/schedules",
      "/queues",
      `/runs/${open}`,
      `/runs/${failed}`,
      "/runs/order-1",
    ]) {
      const response = await get(handler, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-security-policy")).toBe(contentSecurityPolicy);
      expect(contentSecurityPolicy).toContain("script-src 'self'");
      expect(contentSecurityPolicy).not.toContain("unsafe-inline");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const body = await response.text();
      expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(body).not.toMatch(/\sstyle=/);
    }
    expect((await get(handler, "/runs/nope")).status).toBe(404);
    expect((await get(handler, "/nothing-here")).status).toBe(404);
    expect((await get(handler, "/assets/observer.css")).headers.get("content-type")).toContain("text/css");
    expect((await get(handler, "/assets/observer.js")).headers.get("content-type")).toContain("javascript");
    expect((await get(handler, "/assets/..%2Fpackage.json")).status).toBe(404);
    expect((await get(handler, "/%E0%A4%A")).status).toBe(400);
  });

  it("mounts under a base path: links carry it, paths outside it are 404", async () => {
    const { journal, open } = await seeded();
    const handler = createObserver({ journal, basePath: "/ops/observer/" });
    const page = await (await get(handler, "/ops/observer")).text();
    expect(page).toContain(`href="/ops/observer/runs/${open}"`);
    expect(page).toContain(`href="/ops/observer/assets/observer.css"`);
    // An empty icon in the head: no browser asks for /favicon.ico (a 404 on every page).
    expect(page).toContain(`<link rel="icon" href="data:," />`);
    expect((await get(handler, "/")).status).toBe(404);
    expect((await get(handler, "/ops/observerx")).status).toBe(404);
    expect(() => createObserver({ journal, basePath: "ops" })).toThrow(/basePath/);
  });

  it("tags an activity that runs in its engine's process without a task row, and one read from the history", async () => {
    const journal = createMemoryJournal();
    journals.push(journal);
    const { run } = await journal.startRun({
      namespace: "shop",
      workflowId: "order-3",
      workflowName: "order",
      versionHash: "v1",
      input: encode(null),
    });
    const [claim] = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 60_000 });
    const options = {
      retry: {
        maxAttempts: 3,
        initialIntervalMs: 1000,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
        nonRetryableErrors: [],
      },
      startToCloseMs: 30_000,
    };
    const call = (identity: string) => ({
      identity,
      activityName: "payments.charge",
      args: encode([1]),
      options,
    });
    const scheduled = (identity: string) => ({ kind: "activity_scheduled" as const, ...call(identity) });
    const committed = await journal.commitStep({
      lease: claim!.lease,
      lastSeq: 1,
      delivered: [],
      events: [scheduled("activity:charge#0@0"), scheduled("activity:charge#1@0")],
      tasks: ["activity:charge#0@0", "activity:charge#1@0"].map((identity) => ({
        ...call(identity),
        claim: true as const,
        inProcess: true as const,
      })),
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
      leaseMs: 60_000,
    });
    const first = committed.claimedTasks![0]!;
    await journal.commitStep({
      lease: claim!.lease,
      lastSeq: committed.lastSeq,
      delivered: [],
      events: [{ kind: "activity_completed", identity: first.identity, result: encode("r-1"), attempts: 1 }],
      tasks: [],
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
      leaseMs: 60_000,
      finishTasks: [
        {
          claim: { ...first, inProcess: true, identity: first.identity },
          outcome: { kind: "completed", result: encode("r-1") },
        },
      ],
    });
    const page = await (await get(createObserver({ journal }), `/runs/${run.runId}`)).text();
    const rows = page.split("<tr data-task-id=").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain("from history");
    expect(rows[0]).toContain("task-completed");
    expect(rows[1]).toContain("in-process");
    expect(rows[1]).toContain("task-running");
  });

  it("escapes names, ids, attributes, payloads and error messages", async () => {
    const { journal, hostile, failed } = await seeded();
    const handler = createObserver({ journal });
    const pages = await Promise.all(
      [
        "/",
        "/workflows",
        `/runs/${hostile}`,
        `/runs/${failed}`,
        "/?workflow=%3Cscript%3Ealert(5)%3C/script%3E",
      ].map(async (path) => (await get(handler, path)).text()),
    );
    for (const page of pages) {
      expect(page).not.toContain("<script>alert");
      expect(page).not.toContain("<b onmouseover");
      expect(page).not.toContain("<svg onload");
      expect(page).not.toContain("<img src=x");
    }
    expect(pages[0]).toContain("&lt;b onmouseover=alert(2)&gt;wf&lt;/b&gt;");
    expect(pages[2]).toContain("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(pages[3]).toContain("&lt;script&gt;alert(4)&lt;/script&gt;");
    expect(pages[4]).toContain('value="&lt;script&gt;alert(5)&lt;/script&gt;"');
  });

  it("filters the runs page and pages through it with keyset cursors", async () => {
    const journal = createMemoryJournal();
    journals.push(journal);
    for (let i = 0; i < 7; i++)
      await journal.startRun({
        namespace: "shop",
        workflowId: `job-${i}`,
        workflowName: i % 2 === 0 ? "even" : "odd",
        versionHash: "v1",
        input: encode(i),
        attributes: {},
      });
    const handler = createObserver({ journal });
    const ids = (page: string) =>
      [
        ...page.matchAll(
          /<tr data-run-id="[^"]+" data-status="running">[\s\S]*?<a href="\/runs\/[^"]+">(job-\d)<\/a>/g,
        ),
      ].map((m) => m[1]);
    const first = await (await get(handler, "/?workflow=even&limit=2")).text();
    expect(ids(first)).toEqual(["job-6", "job-4"]);
    const next = /rel="next" href="([^"]+)"/.exec(first)![1]!.replaceAll("&amp;", "&");
    const second = await (await get(handler, next)).text();
    expect(ids(second)).toEqual(["job-2", "job-0"]);
    const previous = /rel="prev" href="([^"]+)"/.exec(second)![1]!.replaceAll("&amp;", "&");
    expect(ids(await (await get(handler, previous)).text())).toEqual(["job-6", "job-4"]);
    expect(ids(await (await get(handler, "/?search=job-3")).text())).toEqual(["job-3"]);
    expect(first).toContain('data-count="running">4<');
    expect((await get(handler, "/?after=not-a-cursor")).status).toBe(400);
  });

  it("is read-only without authorize: no forms, and every POST is refused with 403", async () => {
    const { journal, open } = await seeded();
    const handler = createObserver({ journal });
    const page = await (await get(handler, `/runs/${open}`)).text();
    expect(page).not.toContain('<form method="post"');
    expect(page).toContain("read-only");
    const response = await get(handler, `/runs/${open}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "reason=x",
    });
    expect(response.status).toBe(403);
    expect((await journal.getRun(open))?.status).toBe("running");
    expect((await journal.listRuns({})).runs.length).toBe(3);
  });

  it("with authorize: forms carry a CSRF token bound to the session cookie; a post without it, or with another session's, is 403", async () => {
    const { journal, open } = await seeded();
    const asked: ObserverAction[] = [];
    const handler = createObserver({
      journal,
      authorize: (request, action) => {
        asked.push(action);
        return request.headers.get("x-user") === "ann";
      },
      actor: (request) => request.headers.get("x-user") ?? "nobody",
    });
    const first = await get(handler, `/runs/${open}`);
    const cookie = first.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    const page = await first.text();
    const token = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (path: string, body: string, headers: Record<string, string>) =>
      get(handler, path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      });

    expect(
      (await post(`/runs/${open}/cancel`, "reason=x", { cookie: session, "x-user": "ann" })).status,
    ).toBe(403);
    expect((await post(`/runs/${open}/cancel`, `csrf=${token}`, { "x-user": "ann" })).status).toBe(403);
    const other = (await get(handler, "/")).headers.get("set-cookie")!.split(";")[0]!;
    expect(
      (await post(`/runs/${open}/cancel`, `csrf=${token}`, { cookie: other, "x-user": "ann" })).status,
    ).toBe(403);
    expect(asked).toEqual([]);
    expect(
      (await post(`/runs/${open}/cancel`, `csrf=${token}`, { cookie: session, "x-user": "bob" })).status,
    ).toBe(403);
    expect(asked).toEqual([{ kind: "cancel", runId: open, force: false }]);
    expect(
      (
        await post(`/runs/${open}/signal`, `csrf=${token}&name=go&payload={bad`, {
          cookie: session,
          "x-user": "ann",
        })
      ).status,
    ).toBe(400);

    const sent = await post(
      `/runs/${open}/signal`,
      `csrf=${token}&name=go&payload=${encodeURIComponent('{"ok":true}')}`,
      { cookie: session, "x-user": "ann" },
    );
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(`/runs/${open}?notice=signal`);
    const inbox = await (
      await get(handler, `/runs/${open}?notice=signal`, { headers: { cookie: session } })
    ).text();
    expect(inbox).toContain("Signal sent.");
    expect(inbox).toContain("signal_received");
    const cancelled = await post(`/runs/${open}/cancel`, `csrf=${token}&reason=done&force=1`, {
      cookie: session,
      "x-user": "ann",
    });
    expect(cancelled.status).toBe(303);
    expect(asked.at(-1)).toEqual({ kind: "cancel", runId: open, force: true });
    // Both actions went through core's operator API: audited with the actor and the origin.
    const { entries } = await journal.admin!.listOperatorActions({ runId: open });
    expect(entries.map((e) => [e.action, e.outcome, e.actor, e.origin.via, e.origin.host])).toEqual([
      ["terminate", "succeeded", "ann", "observer", "observer.test"],
      ["signal", "succeeded", "ann", "observer", "observer.test"],
    ]);
    expect(entries[1]!.parameters).toMatchObject({ name: "go", payloadBytes: 11 });
    const audit = await (await get(handler, "/audit", { headers: { cookie: session } })).text();
    expect(audit).toContain('data-action="terminate" data-outcome="succeeded"');

    // Core refuses to retry a run that did not fail: a 409 page with its code, audited as failed.
    const retry = await post(`/runs/${open}/retry`, `csrf=${token}`, { cookie: session, "x-user": "ann" });
    expect(retry.status).toBe(409);
    expect(await retry.text()).toContain("CTM_");
    expect(asked.at(-1)).toEqual({ kind: "retry", runId: open });
    const [refusedRetry] = (await journal.admin!.listOperatorActions({ runId: open, limit: 1 })).entries;
    expect(refusedRetry).toMatchObject({ action: "retry", outcome: "failed", actor: "ann" });

    // A repair confirm must carry a plan of its kind's items, else 400 before authorize.
    const repairs = asked.length;
    const plan = encodeURIComponent(
      JSON.stringify([{ kind: "mark_ready", runId: open, lastSeq: 1, updatedAt: 1 }]),
    );
    expect(
      (
        await post("/health/repair", `csrf=${token}&kind=expired-leases&plan=${plan}`, {
          cookie: session,
          "x-user": "ann",
        })
      ).status,
    ).toBe(400);
    expect(asked.length).toBe(repairs);
    const wrongKind = await post("/health/repair", `csrf=${token}&kind=drop-tables&plan=[]`, {
      cookie: session,
      "x-user": "ann",
    });
    expect(wrongKind.status).toBe(400);
    // A fenced plan whose rows changed is skipped, not forced, and the repair is audited.
    const stale = await post("/health/repair", `csrf=${token}&kind=lost-wakes&plan=${plan}`, {
      cookie: session,
      "x-user": "ann",
    });
    expect(stale.status).toBe(303);
    expect(stale.headers.get("location")).toBe("/health?repaired=0&skipped=1");
    expect(asked.at(-1)).toEqual({ kind: "repair", repair: "lost-wakes", items: 1 });
    const [repair] = (await journal.admin!.listOperatorActions({ limit: 1 })).entries;
    expect(repair).toMatchObject({ action: "repair", actor: "ann", outcome: "succeeded" });
  });
});
