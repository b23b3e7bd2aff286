import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/index.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { workflow } from "./index.ts";

// Declared search attributes: a start's attributes are checked against the workflow's
// declaration at the boundary (nothing is stored when one is wrong); undeclared workflows keep
// taking plain JSON.

const stamp = {
  format: 1,
  versionHash: "attrs",
  cursors: [],
  file: "test/attrs.workflow.ts",
  line: 1,
} as const;
const order = workflow.stamped(stamp)(
  "attrs-order",
  {
    version: 1,
    searchAttributes: {
      customer: "keyword",
      note: "text",
      items: "int",
      total: "double",
      paid: "bool",
      placedAt: "datetime",
      tags: "keyword[]",
    },
  },
  async (n: number) => n,
);
const plain = workflow.stamped({ ...stamp, versionHash: "plain" })(
  "attrs-plain",
  { version: 1 },
  async () => 1,
);

describe("declared search attributes", () => {
  it("a start with values of the declared types is stored as given", async () => {
    const journal = new MemoryJournal();
    const client = createClient({ journal });
    const attributes = {
      customer: "c-1",
      note: "leave at the door",
      items: 3,
      total: 42.5,
      paid: true,
      placedAt: "2026-12-07T03:00:00.000Z",
      tags: ["gift", "express"],
    };
    const run = await client.start(order, 1, { attributes });
    expect((await journal.getRun(run.runId))?.attributes).toEqual(attributes);
  });

  it.each([
    [{ customer: 7 }, "attributes.customer", "keyword"],
    [{ customer: "x".repeat(257) }, "attributes.customer", "keyword"],
    [{ items: 1.5 }, "attributes.items", "int"],
    [{ total: "42" }, "attributes.total", "double"],
    [{ paid: "yes" }, "attributes.paid", "bool"],
    [{ placedAt: "yesterday" }, "attributes.placedAt", "datetime"],
    [{ placedAt: "2026-12-07T03:00:00" }, "attributes.placedAt", "datetime"],
    [{ tags: ["ok", 3] }, "attributes.tags", "keyword[]"],
    [{ colour: "red" }, "attributes.colour", "not declared"],
  ])("refuses %j with CTM_INVALID_ATTRIBUTES, storing nothing", async (attributes, path, mentions) => {
    const journal = new MemoryJournal();
    const client = createClient({ journal });
    const start = client.start(order, 1, { attributes: attributes as never });
    await expect(start).rejects.toMatchObject({ code: ErrorCode.InvalidAttributes, data: { path } });
    await expect(start).rejects.toThrow(mentions);
    expect((await client.list({ namespace: "*" })).runs).toEqual([]);
  });

  it("a workflow without declarations takes any plain JSON, as before", async () => {
    const client = createClient({ journal: new MemoryJournal() });
    await expect(
      client.start(plain, undefined, { attributes: { anything: { nested: [1] } } }),
    ).resolves.toBeDefined();
  });

  it("a bad declaration is refused when the workflow is defined", () => {
    expect(() =>
      workflow.stamped({ ...stamp, versionHash: "bad" })(
        "attrs-bad",
        { version: 1, searchAttributes: { total: "money" as never } },
        async () => 1,
      ),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidWorkflowDefinition }));
  });
});
