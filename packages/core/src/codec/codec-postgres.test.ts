import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Encoded } from "../model/payload.ts";
import { decode, encode } from "./index.ts";
import { firstDifference } from "./test-support/exact-equal.ts";

// The codec promises output that PostgreSQL accepts as jsonb (no U+0000, no lone surrogates)
// and that json keeps byte for byte. Checked against the real server, not a model of it.
const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

const nasty = fc.anything({
  key: fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("$t", "__proto__", "\u0000")),
  maxDepth: 3,
  maxKeys: 4,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: "binary",
});

describe("codec output on PostgreSQL", () => {
  it("is accepted as jsonb, and decodes to the same value after jsonb and json round trips", async () => {
    await fc.assert(
      fc.asyncProperty(nasty, async (value) => {
        const text = JSON.stringify(encode(value));
        const { rows } = await client.query<{ b: Encoded; j: Encoded; t: string }>(
          "SELECT $1::text::jsonb AS b, $1::text::json AS j, $1::text::json::text AS t",
          [text],
        );
        const row = rows[0]!;
        expect(row.t).toBe(text);
        expect(firstDifference(decode(row.j), value)).toBeUndefined();
        // jsonb may reorder object keys; everything else must survive.
        expect(decode(row.b)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["U+0000", "a\u0000b"],
    ["a lone surrogate", "a\ud800b"],
  ])("jsonb refuses a raw string with %s (why the codec escapes it)", async (_, raw) => {
    await expect(client.query("SELECT $1::text::jsonb", [JSON.stringify(raw)])).rejects.toThrow();
    const { rows } = await client.query<{ b: Encoded }>("SELECT $1::text::jsonb AS b", [
      JSON.stringify(encode(raw)),
    ]);
    expect(decode(rows[0]!.b)).toBe(raw);
  });
});
