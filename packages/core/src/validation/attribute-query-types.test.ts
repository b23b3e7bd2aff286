import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/index.ts";
import { createInspector } from "../inspect/create-inspector.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { allOf, anyOf, attr, type AttributeCondition } from "../model/attribute-query.ts";
import { workflow } from "../workflow/index.ts";
import { attributeScopeOf, checkQueryTypes } from "./attribute-query-types.ts";

// Query values are checked against the declared attribute types at the client and inspector
// boundary: a typo or a wrong type is a clear error, not an empty page.

const stamp = { format: 1, versionHash: "q", cursors: [], file: "test/q.workflow.ts", line: 1 } as const;
const order = workflow.stamped(stamp)(
  "q-order",
  {
    version: 1,
    searchAttributes: {
      customer: "keyword",
      note: "text",
      qty: "int",
      total: "double",
      vip: "bool",
      placedAt: "datetime",
      tags: "keyword[]",
    },
  },
  async () => 1,
);
const invoice = workflow.stamped({ ...stamp, versionHash: "i" })(
  "q-invoice",
  { version: 1, searchAttributes: { customer: "keyword", total: "int" } },
  async () => 1,
);
const plain = workflow.stamped({ ...stamp, versionHash: "p" })("q-plain", { version: 1 }, async () => 1);

function refusal(where: AttributeCondition, workflowName?: string, known = [order, invoice]) {
  try {
    checkQueryTypes(where, undefined, attributeScopeOf(known, workflowName));
  } catch (error) {
    return error as { code: string; message: string; hint: string };
  }
  return undefined;
}

describe("attribute query values against declared types", () => {
  it.each([
    [
      attr("customer").gte(5),
      "where",
      /range .* keyword/,
      /customer is declared keyword: use attr\("customer"\)\.eq\("c-42"\)/,
    ],
    [attr("qty").eq("3"), "where.value", /"3".* not a value of int/, /qty is declared int/],
    [attr("qty").eq(2.5), "where.value", /2\.5 is not a value of int/, /qty is declared int/],
    [attr("total").startsWith("1"), "where", /prefix match.* double/, /total is declared double/],
    [attr("tags").eq("vip"), "where.value", /not a value of keyword\[\]/, /\.contains\("vip"\)/],
    [attr("customer").contains("c-1"), "where", /list match \(contains\)/, /customer is declared keyword/],
    [attr("placedAt").gte(5), "where", /numeric bounds.* datetime/, /placedAt is declared datetime/],
    [attr("vip").eq("yes"), "where.value", /not a value of bool/, /attr\("vip"\)\.eq\(true\)/],
    [
      attr("custmer").eq("c-1"),
      "where.name",
      /"custmer" is not declared by workflow q-order/,
      /customer, note, qty/,
    ],
    [
      allOf(attr("customer").eq("c-1"), anyOf(attr("qty").in([1, "2"]))),
      "where.conditions[1].conditions[0].values[1]",
      /"2"/,
      /qty is declared int/,
    ],
  ])("%j is refused at %s", (where, path, message, hint) => {
    const error = refusal(where, "q-order");
    expect(error).toMatchObject({ code: ErrorCode.InvalidAttributeQuery, data: { path } });
    expect(error?.message).toMatch(message);
    expect(error?.hint).toMatch(hint);
  });

  it("accepts values of the declared types", () => {
    for (const where of [
      attr("customer")
        .eq("c-1")
        .and(attr("customer").startsWith("c-"), attr("customer").in(["a", "b"])),
      attr("note").startsWith("gift"),
      attr("qty").between(1, 3).and(attr("total").gte(99.5), attr("vip").eq(false)),
      attr("placedAt").gte("2026-12-01T00:00:00Z"),
      attr("tags")
        .contains("vip")
        .or(attr("tags").containsAny(["eu"])),
    ])
      expect(refusal(where, "q-order")).toBeUndefined();
  });

  it("without a workflow name: a value fits if it fits any workflow's declaration of the name", () => {
    expect(refusal(attr("total").eq(99.5))).toBeUndefined(); // double in q-order
    expect(refusal(attr("total").eq("99"))).toMatchObject({ code: ErrorCode.InvalidAttributeQuery });
    expect(refusal(attr("region").eq("eu"))?.message).toMatch(/not declared by the known workflows/);
    // a known workflow without declarations takes any name: unknown names pass, declared ones are typed
    expect(refusal(attr("region").eq("eu"), undefined, [order, plain])).toBeUndefined();
    expect(refusal(attr("qty").eq("x"), undefined, [order, plain])).toBeDefined();
    // nothing known declares: shapes only
    expect(refusal(attr("qty").eq("x"), undefined, [plain])).toBeUndefined();
    expect(refusal(attr("qty").eq("x"), "q-other")).toBeUndefined();
  });

  it("refuses ordering by an undeclared or a list attribute", () => {
    const scope = attributeScopeOf([order], "q-order");
    expect(() => checkQueryTypes(undefined, { by: "attribute", attribute: "tags" }, scope)).toThrow(
      /cannot be ordered/,
    );
    expect(() => checkQueryTypes(undefined, { by: "attribute", attribute: "nope" }, scope)).toThrow(
      /not declared/,
    );
    expect(() => checkQueryTypes(undefined, { by: "attribute", attribute: "total" }, scope)).not.toThrow();
  });

  it("client.list and the inspector refuse before reading; without workflows they keep shape checks only", async () => {
    const journal = new MemoryJournal();
    const client = createClient({ journal, workflows: [order] });
    await client.start(order, undefined, { attributes: { customer: "c-1", qty: 2 } });
    await expect(client.list({ workflowName: "q-order", where: attr("qty").eq("2") })).rejects.toMatchObject({
      code: ErrorCode.InvalidAttributeQuery,
      data: { path: "where.value" },
    });
    await expect(client.list({ where: attr("customer").gte(1) })).rejects.toMatchObject({
      code: ErrorCode.InvalidAttributeQuery,
    });
    expect((await client.list({ where: attr("qty").eq(2) })).runs).toHaveLength(1);
    const inspector = createInspector(journal, { workflows: [order] });
    await expect(inspector.runs({ where: attr("qty").startsWith("2") })).rejects.toMatchObject({
      code: ErrorCode.InvalidAttributeQuery,
    });
    await expect(inspector.counts({ where: attr("customr").eq("c-1") })).rejects.toMatchObject({
      code: ErrorCode.InvalidAttributeQuery,
      data: { path: "where.name" },
    });
    expect((await inspector.runs({ where: attr("customer").eq("c-1") })).runs).toHaveLength(1);
    expect((await createInspector(journal).runs({ where: attr("qty").eq("2") })).runs).toEqual([]);
  });
});
