import { describe, expect, it } from "vitest";
import { demoManifest } from "./test-support/demo-workflows.ts";
import { escapeHtml, html, trusted } from "./html.ts";
import { createSourceIndex } from "./source-index.ts";

describe("html", () => {
  it("escapes every interpolation unless it is markup made by html or trusted", () => {
    const name = `<script>alert("x")</script>'&\``;
    expect(html`<td title="${name}">${name}</td>`.toString()).toBe(
      `<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;&#96;</td>`,
    );
    const nested = ["<a>", html`<li>${"<b>"}</li>`];
    // prettier-ignore
    const list = html`<ul>${nested}</ul>`;
    expect(list.toString()).toBe("<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>");
    expect(html`${trusted("<hr>")}${undefined}${null}${false}${0}`.toString()).toBe("<hr>0");
    expect(escapeHtml("a&b")).toBe("a&amp;b");
  });
});

describe("source index", () => {
  it("finds the line that issued an event from its identity (cursor@occurrence)", () => {
    const index = createSourceIndex(demoManifest);
    expect(index.locate("order", "d0e1a2b3c4d5e6f7", "activity:payments.charge#0@0")).toBe(
      "examples/demo/shop.workflow.ts:14:5",
    );
    // Another version of the same workflow falls back to the cursor by name.
    expect(index.locate("order", "other", "signal:fraud_review#0@3")).toBe(
      "examples/demo/shop.workflow.ts:15:5",
    );
    expect(index.locate("order", "d0e1a2b3c4d5e6f7", "activity:unknown#0@0")).toBeUndefined();
    expect(index.definition("order", "d0e1a2b3c4d5e6f7")).toBe("examples/demo/shop.workflow.ts:12");
    expect(() => createSourceIndex({ format: 2, workflows: [] })).toThrow(/manifest/);
  });
});
