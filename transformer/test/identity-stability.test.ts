import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeIdentities } from "../src/rewrite/compute-identities.ts";
import { FIXTURES_DIR } from "./support/fixture-cases.ts";
import { parseFile } from "./support/test-program.ts";

const ORDER = readFileSync(path.join(FIXTURES_DIR, "rewrite-order/input.ts"), "utf8");

/** The stamp of the only workflow, and each effect call's cursor keyed by the call's text. */
function identitiesOf(text: string): { stamp: unknown; byCall: Map<string, string> } {
  const sf = parseFile("/virtual/order.workflow.ts", text);
  const ids = computeIdentities(sf, "order.workflow.ts");
  const workflow = ids.workflows[0];
  if (!workflow) throw new Error("no workflow found");
  const byCall = new Map<string, string>();
  for (const e of workflow.effects) byCall.set(e.call.getText(sf).replace(/\s+/g, " "), e.cursor);
  const { line: _line, ...stamp } = workflow.stamp; // the line moves with inserted lines by design
  return { stamp, byCall };
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text.includes(from)).toBe(true);
  return text.replace(from, to);
}

const base = identitiesOf(ORDER);
const bodyStart = ORDER.split("\n").findIndex((l) => l.includes('workflow("order"')) + 1;
const bodyEnd = ORDER.split("\n").lastIndexOf("});");

describe("cancellation scopes", () => {
  it("cancellable() is an effect (its timeout is a journal timer); nonCancellable, complete and isCancellation are not", () => {
    const { byCall } =
      identitiesOf(`import { activity, cancellable, complete, isCancellation, nonCancellable, workflow } from "@continuum/core";
import { charge, notify } from "./payments.ts";
export const order = workflow("order", { version: 1 }, async () => {
  try {
    return await cancellable(() => activity(charge, 1), { timeout: 1000 });
  } catch (error) {
    if (isCancellation(error)) await nonCancellable(() => activity(notify, "cancelled"));
    const again = cancellable(() => activity(charge, 2));
    again.cancel();
    return complete("cleaned up");
  }
});`);
    expect([...byCall.values()]).toEqual([
      "cancellable:#0",
      "activity:charge#0",
      "activity:notify#0",
      "cancellable:#1",
      "activity:charge#1",
    ]);
  });
});

describe("identity stability (edits that do not touch effects)", () => {
  it("base fixture has the SPEC cursors", () => {
    expect([...base.byCall.values()]).toEqual([
      "activity:validation.check#0",
      "activity:payments.charge#0",
      "sleep:#0",
      "signal:fraud_review#0",
      "compensate:#0",
      "activity:fulfillment.ship#0",
    ]);
  });

  it("any mix of comments, blank lines and new pure statements keeps every cursor and the version hash", () => {
    const edit = fc.record({
      at: fc.integer({ min: bodyStart, max: bodyEnd }),
      kind: fc.constantFrom("comment", "blank", "pure", "block-comment"),
      n: fc.nat(1000),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        const lines = ORDER.split("\n");
        for (const e of [...edits].sort((a, b) => b.at - a.at)) {
          const insert =
            e.kind === "comment"
              ? `  // note ${e.n}`
              : e.kind === "blank"
                ? ""
                : e.kind === "pure"
                  ? `  const tmp${e.n} = ${e.n} * 2 + items.length;`
                  : `  /* ${e.n} */`;
          lines.splice(e.at, 0, insert);
        }
        const edited = identitiesOf(lines.join("\n"));
        expect(edited.stamp).toEqual(base.stamp);
        expect(edited.byCall).toEqual(base.byCall);
      }),
      { numRuns: 60 },
    );
  });

  it("renaming locals and a named-import alias keeps every cursor", () => {
    let text = ORDER.replace(/\bvalidated\b/g, "checked")
      .replace(/\breceipt\b/g, "paid")
      .replace(/\breview\b/g, "decision");
    text = text.replace(
      'import * as payments from "./payments.ts";',
      'import { charge as pay, refund } from "./payments.ts";',
    );
    text = text.replace("payments.charge, orderId", "pay, orderId").replace("payments.refund", "refund");
    const renamed = identitiesOf(text);
    expect([...renamed.byCall.values()]).toEqual([
      "activity:validation.check#0",
      "activity:charge#0",
      "sleep:#0",
      "signal:fraud_review#0",
      "compensate:#0",
      "activity:fulfillment.ship#0",
    ]);
    // an alias rename alone changes nothing at all
    const again = identitiesOf(
      text.replace("charge as pay", "charge as takeMoney").replace("pay, orderId", "takeMoney, orderId"),
    );
    expect(again.stamp).toEqual(renamed.stamp);
  });

  it("renaming a namespace import keeps every cursor and the version hash (targets name the module)", () => {
    const renamed = identitiesOf(
      ORDER.replace('import * as payments from "./payments.ts";', 'import * as money from "./payments.ts";')
        .replace("payments.charge, orderId", "money.charge, orderId")
        .replace("payments.refund", "money.refund"),
    );
    expect(renamed.stamp).toEqual(base.stamp);
    expect([...renamed.byCall.values()]).toEqual([...base.byCall.values()]);
  });

  it("a default import and a const alias name what they resolve to, not the local name", () => {
    const withDefault = (local: string) =>
      identitiesOf(
        ORDER.replace('import * as payments from "./payments.ts";', `import ${local} from "./payments.ts";`)
          .replace("payments.charge, orderId", `${local}, orderId`)
          .replace("payments.refund", local),
      );
    expect(withDefault("pay").stamp).toEqual(withDefault("takeMoney").stamp);
    expect([...withDefault("pay").byCall.values()]).toContain("activity:payments.default#0");
    const viaConst = identitiesOf(
      ORDER.replace("payments.charge, orderId", "chargeIt, orderId").replace(
        "export const",
        "const chargeIt = payments.charge;\nexport const",
      ),
    );
    expect(viaConst.stamp).toEqual(base.stamp);
  });

  it("moving a pure line, or an effect across effects of other kinds/targets, keeps each call's cursor", () => {
    const movedPure = replaceOnce(
      ORDER,
      '  if (review === "rejected") {',
      '  const marker = orderId.length;\n  if (review === "rejected") {',
    );
    expect(identitiesOf(movedPure).stamp).toEqual(base.stamp);
    const sleepLine = "  await sleep(hours(1));\n";
    const movedEffect = replaceOnce(
      ORDER.replace(sleepLine, ""),
      "  const validated",
      `${sleepLine}  const validated`,
    );
    expect(identitiesOf(movedEffect).byCall).toEqual(base.byCall);
  });

  it("adding an effect of another target leaves the existing cursors as they were", () => {
    const text = replaceOnce(
      ORDER,
      "  await sleep(hours(1));",
      '  await sleep(hours(1));\n  await signal<string>("audit");',
    );
    const after = identitiesOf(text);
    for (const [call, cursor] of base.byCall) expect(after.byCall.get(call)).toBe(cursor);
    expect(after.byCall.get('signal<string>("audit")')).toBe("signal:audit#0");
  });
});

describe("identity changes (edits that touch effects)", () => {
  it("adding an effect with the same target before another renumbers it and changes the hash", () => {
    const text = replaceOnce(
      ORDER,
      "  await sleep(hours(1));",
      "  await sleep(hours(2));\n  await sleep(hours(1));",
    );
    const after = identitiesOf(text);
    expect(after.byCall.get("sleep(hours(2))")).toBe("sleep:#0");
    expect(after.byCall.get("sleep(hours(1))")).toBe("sleep:#1");
    expect(after.stamp).not.toEqual(base.stamp);
  });

  it("removing an effect changes the version hash and drops its cursor", () => {
    const after = identitiesOf(replaceOnce(ORDER, "  await sleep(hours(1));\n", ""));
    expect([...after.byCall.values()]).not.toContain("sleep:#0");
    expect(after.stamp).not.toEqual(base.stamp);
  });

  it("reordering two effects with the same target swaps their cursors", () => {
    const twoSleeps = replaceOnce(
      ORDER,
      "  await sleep(hours(1));",
      "  await sleep(hours(1));\n  await sleep(hours(3));",
    );
    const swapped = replaceOnce(
      twoSleeps,
      "  await sleep(hours(1));\n  await sleep(hours(3));",
      "  await sleep(hours(3));\n  await sleep(hours(1));",
    );
    const before = identitiesOf(twoSleeps);
    const after = identitiesOf(swapped);
    expect(before.byCall.get("sleep(hours(1))")).toBe("sleep:#0");
    expect(after.byCall.get("sleep(hours(1))")).toBe("sleep:#1");
    expect(after.byCall.get("sleep(hours(3))")).toBe("sleep:#0");
  });

  it("retargeting an effect changes its cursor and the hash", () => {
    const text = ORDER.replace(
      'import * as payments from "./payments.ts";',
      'import * as payments from "./payments.ts";\nimport * as ledger from "./ledger.ts";',
    ).replace("activity(payments.charge, orderId", "activity(ledger.charge, orderId");
    const after = identitiesOf(text);
    expect([...after.byCall.values()]).toContain("activity:ledger.charge#0");
    expect([...after.byCall.values()]).not.toContain("activity:payments.charge#0");
    expect(after.stamp).not.toEqual(base.stamp);
    const renamedSignal = identitiesOf(ORDER.replace('"fraud_review"', '"risk_review"'));
    expect([...renamedSignal.byCall.values()]).toContain("signal:risk_review#0");
  });
});
