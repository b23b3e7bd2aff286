import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { allOf, anyOf, attr, type AttributeCondition, type RunOrder } from "../../model/attribute-query.ts";
import type { Encoded } from "../../model/payload.ts";
import type { Journal, RunFilter } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { expectRejects, namespace, start } from "./conformance-harness.ts";

/** Seeded orders: customer keyword, total double, qty int, vip bool, at datetime, tags keyword[], note text. */
const orders: readonly Record<string, Encoded>[] = [
  {
    customer: "c-42",
    total: 250.5,
    qty: 3,
    vip: true,
    at: "2026-12-01T10:00:00Z",
    tags: ["vip", "eu"],
    note: "gift 100%_off",
  },
  {
    customer: "c-42",
    total: 99.99,
    qty: 1,
    vip: false,
    at: "2026-12-02T10:00:00+02:00",
    tags: ["eu"],
    note: "plain",
  },
  {
    customer: "c-7",
    total: 100,
    qty: 2,
    vip: false,
    at: "2026-12-03T00:00:00Z",
    tags: [],
    note: "gift wrap",
  },
  { customer: "c-700", total: 100, qty: 5, vip: true, at: "2026-11-30T23:59:59.500Z", tags: ["us"] },
  { customer: "d-1", total: -5, qty: 0, at: "not a date", tags: ["vip"], note: "gift 100% off" },
  { customer: "c-42", total: "100", qty: 7 }, // a string total (an undeclared workflow's plain JSON)
];

async function seed(journal: Journal): Promise<string[]> {
  const ids: string[] = [];
  for (const attributes of orders) ids.push((await start(journal, { attributes })).runId);
  await start(journal, { namespace: "elsewhere", attributes: { customer: "c-42", total: 1000 } });
  return ids;
}

/** Indexes (into `orders`) of the runs `where` returns, in order of `orders`. */
async function match(journal: Journal, ids: readonly string[], where: AttributeCondition): Promise<number[]> {
  const page = await journal.listRuns({ namespace, where, limit: 100 });
  return page.runs.map((r) => ids.indexOf(r.runId)).sort((a, b) => a - b);
}

/** Every run, page by page of `size`, in `orderBy`. */
async function walk(journal: Journal, filter: RunFilter, size: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await journal.listRuns({
      ...filter,
      limit: size,
      ...(after === undefined ? {} : { after }),
    });
    seen.push(...page.runs.map((r) => r.runId));
    if (page.next === undefined) return seen;
    after = page.next;
  }
}

/** Typed search attribute queries (`listRuns({ where, orderBy })`): the same answers on every journal. */
export function attributeQueryConformance(h: HarnessRef): void {
  describe("attribute queries", () => {
    it("equality, ranges, prefix, membership and AND/OR select the same runs", async () => {
      const { journal } = h();
      const ids = await seed(journal);
      const q = (where: AttributeCondition) => match(journal, ids, where);
      expect(await q(attr("customer").eq("c-42"))).toEqual([0, 1, 5]);
      expect(await q(attr("total").eq(100))).toEqual([2, 3]); // number 100, not the string "100"
      expect(await q(attr("vip").eq(true))).toEqual([0, 3]);
      expect(await q(attr("total").gte(100))).toEqual([0, 2, 3]);
      expect(await q(attr("total").gt(100))).toEqual([0]);
      expect(await q(attr("total").lt(100))).toEqual([1, 4]);
      expect(await q(attr("qty").between(1, 3))).toEqual([0, 1, 2]);
      // instants compare as instants whatever their offset; "not a date" is no instant
      expect(await q(attr("at").lt("2026-12-02T09:00:00Z"))).toEqual([0, 1, 3]);
      expect(await q(attr("at").between("2026-11-30T23:59:59.500Z", "2026-12-01T10:00:00Z"))).toEqual([0, 3]);
      expect(await q(attr("customer").startsWith("c-7"))).toEqual([2, 3]);
      // LIKE's wildcards in a prefix are plain characters
      expect(await q(attr("note").startsWith("gift 100%_"))).toEqual([0]);
      expect(await q(attr("note").startsWith("gift 100%"))).toEqual([0, 4]);
      expect(await q(attr("note").startsWith("gift_"))).toEqual([]);
      expect(await q(attr("customer").in(["c-7", "d-1", "zz"]))).toEqual([2, 4]);
      expect(await q(attr("tags").contains("vip"))).toEqual([0, 4]);
      expect(await q(attr("tags").containsAny(["us", "eu"]))).toEqual([0, 1, 3]);
      expect(await q(attr("customer").eq("c-42").and(attr("total").gte(100)))).toEqual([0]);
      expect(await q(attr("customer").eq("c-7").or(attr("qty").gte(5)))).toEqual([2, 3, 5]);
      expect(
        await q(
          allOf(
            anyOf(attr("tags").contains("vip"), attr("customer").startsWith("c-7")),
            anyOf(attr("total").lt(0), attr("vip").eq(true)),
          ),
        ),
      ).toEqual([0, 3, 4]);
      // plain objects work as well as the builder
      expect(await q({ kind: "range", name: "total", gte: 0, lt: 100 })).toEqual([1]);
      // an attribute nobody has matches nothing
      expect(await q(attr("missing").gte(0))).toEqual([]);
    });

    it("orders by an attribute or by start time, with keyset pages stable under ties", async () => {
      const { journal } = h();
      const ids = await seed(journal);
      // extra ties on total = 100
      for (let i = 0; i < 5; i++) ids.push((await start(journal, { attributes: { total: 100 } })).runId);
      const expectOrder = async (orderBy: RunOrder, where?: AttributeCondition) => {
        const all = await journal.listRuns({ namespace, orderBy, limit: 100, ...(where ? { where } : {}) });
        for (const size of [1, 3]) {
          const paged = await walk(journal, { namespace, orderBy, ...(where ? { where } : {}) }, size);
          expect(paged).toEqual(all.runs.map((r) => r.runId));
        }
        return all.runs.map((r) => ids.indexOf(r.runId));
      };
      const numbers = attr("total").gte(-1000);
      expect(await expectOrder({ by: "attribute", attribute: "total", direction: "desc" }, numbers)).toEqual([
        0, 10, 9, 8, 7, 6, 3, 2, 1, 4,
      ]);
      expect(await expectOrder({ by: "attribute", attribute: "total", direction: "asc" }, numbers)).toEqual([
        4, 1, 2, 3, 6, 7, 8, 9, 10, 0,
      ]);
      // runs without the attribute come last in desc
      const byCustomer = await expectOrder({ by: "attribute", attribute: "customer", direction: "desc" });
      expect(byCustomer).toEqual([4, 3, 2, 5, 1, 0, 10, 9, 8, 7, 6]);
      expect(await expectOrder({ by: "startTime", direction: "asc" })).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      expect(await expectOrder({ by: "startTime" })).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    });

    it("refuses bad names, values and cursors with stable codes, before any query", async () => {
      const { journal } = h();
      await seed(journal);
      // a name is a bound value, never SQL text: one shaped like an injection matches nothing
      const injected = await journal.listRuns({
        namespace,
        where: anyOf(attr("total'; DELETE FROM continuum.runs; --").eq(1), attr("x') OR true --").gte(0)),
      });
      expect(injected.runs).toEqual([]);
      await expectRejects(
        journal.listRuns({ namespace, where: attr("").eq(1) }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, where: attr("total\u0000").eq(1) }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, where: attr("total").gte("yesterday") }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, where: { kind: "range", name: "total" } }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, where: attr("customer").in([]) }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, where: { kind: "nope" } as unknown as AttributeCondition }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, orderBy: { by: "attribute", attribute: " total" } }),
        ErrorCode.InvalidAttributeQuery,
      );
      await expectRejects(
        journal.listRuns({ namespace, orderBy: { by: "attribute", attribute: "total" }, after: "12" }),
        ErrorCode.InvalidCursor,
      );
      expect((await journal.listRuns({ namespace })).runs).toHaveLength(orders.length);
    });
  });
}
