import { ErrorCode } from "@continuum/core";
import { describe, expect, it } from "vitest";
import {
  appendAttributeRows,
  attributeFieldset,
  attributeWhere,
  readAttributeMatch,
  readAttributeRows,
} from "./attribute-filter.ts";

// The runs page's attribute query without a browser: URL rows to an attr() query, typed by the
// declarations when the Observer has them, and back to URL parameters.

const declared = [
  {
    name: "shop.order",
    searchAttributes: { customer: "keyword", total: "double", qty: "int", vip: "bool", at: "datetime" },
  },
] as const;
const url = (query: string) => new URL(`http://observer.test/?${query}`);

describe("attribute filter rows", () => {
  it("reads rows from the URL, dropping empty ones and unknown operators, and writes them back", () => {
    const u = url("qa=total&qo=between&qv=10&qt=20&qa=&qo=eq&qv=&qt=&qa=customer&qo=drop&qv=c-1&qt=&qm=any");
    const rows = readAttributeRows(u);
    expect(rows).toEqual([
      { name: "total", op: "between", value: "10", to: "20" },
      { name: "customer", op: "eq", value: "c-1", to: "" },
    ]);
    const params = new URLSearchParams();
    appendAttributeRows(params, rows, readAttributeMatch(u));
    expect(readAttributeRows(url(params.toString()))).toEqual(rows);
    expect(params.get("qm")).toBe("any");
  });

  it("types values by the declarations: numbers, booleans, instants in UTC, keywords stay text", () => {
    const rows = readAttributeRows(
      url(
        "qa=customer&qv=42&qa=qty&qo=in&qv=1,%202&qa=vip&qv=true&qa=at&qo=gte&qv=2026-12-02T08:00&qa=total&qo=lt&qv=99.5",
      ),
    );
    expect(attributeWhere(rows, "all", declared, "shop.order")).toEqual({
      kind: "and",
      conditions: [
        { kind: "eq", name: "customer", value: "42" },
        { kind: "in", name: "qty", values: [1, 2] },
        { kind: "eq", name: "vip", value: true },
        { kind: "range", name: "at", gte: "2026-12-02T08:00Z" },
        { kind: "range", name: "total", lt: 99.5 },
      ],
    });
  });

  it("without declarations reads numbers and booleans when they are one", () => {
    const rows = readAttributeRows(url("qa=customer&qv=42&qa=note&qo=prefix&qv=gift&qm=any"));
    expect(attributeWhere(rows, "any", [], "")).toEqual({
      kind: "or",
      conditions: [
        { kind: "eq", name: "customer", value: 42 },
        { kind: "prefix", name: "note", value: "gift" },
      ],
    });
    expect(attributeWhere([], "all", declared, "")).toBeUndefined();
  });

  it("refuses what the declarations cannot match with CTM_INVALID_ATTRIBUTE_QUERY", () => {
    expect(() =>
      attributeWhere(readAttributeRows(url("qa=customer&qo=gt&qv=5")), "all", declared, ""),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidAttributeQuery }));
    expect(() =>
      attributeWhere(readAttributeRows(url("qa=qty&qv=two")), "all", declared, "shop.order"),
    ).toThrow(/qty is declared int/);
  });

  it("escapes names and values in the form", () => {
    const hostile = `"><script>alert(1)</script>`;
    const markup = attributeFieldset([{ name: hostile, op: "eq", value: hostile, to: "" }], "all", [
      { name: "x", searchAttributes: { [`a"b`]: "keyword" } },
    ]).toString();
    expect(markup).not.toContain("<script>");
    expect(markup).toContain("&quot;&gt;&lt;script&gt;");
    expect(markup).toContain('value="a&quot;b"');
  });
});
