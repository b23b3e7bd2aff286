import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createTestEnvironment } from "../testing/create-test-environment.ts";
import { createEngine } from "../worker/create-engine.ts";
import { checkAttributes } from "./attributes.ts";
import { checkConnectionString } from "./connection-string.ts";
import { checkPageRequest } from "./cursor.ts";
import { IdentifierKind, checkIdentifier, identifierProblem } from "./identifier.ts";
import { Limits } from "./limits.ts";
import { checkNumber } from "./numbers.ts";
import { describeValue, utf8Bytes } from "./text.ts";

/** The error `fn` throws (or its promise rejects with). */
async function thrown(fn: () => unknown): Promise<ContinuumError<unknown>> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ContinuumError);
    return error as ContinuumError<unknown>;
  }
  throw new Error("expected a refusal");
}

describe("identifiers", () => {
  it("accepts ids up to the byte limit and refuses what PostgreSQL would refuse", () => {
    expect(identifierProblem(IdentifierKind.id, "order-1")).toBeUndefined();
    expect(identifierProblem(IdentifierKind.id, " any text\tis fine in an id ")).toBeUndefined();
    expect(identifierProblem(IdentifierKind.id, "x".repeat(Limits.idBytes))).toBeUndefined();
    expect(identifierProblem(IdentifierKind.id, "x".repeat(Limits.idBytes + 1))).toMatch(/bytes/);
    // Bytes, not characters: 501 two-byte characters are 1002 bytes.
    expect(identifierProblem(IdentifierKind.id, "é".repeat(501))).toMatch(/bytes/);
    expect(identifierProblem(IdentifierKind.id, "")).toMatch(/empty/);
    expect(identifierProblem(IdentifierKind.id, "a\u0000b")).toMatch(/NUL/);
    expect(identifierProblem(IdentifierKind.id, "a\ud800b")).toMatch(/surrogate/);
    expect(identifierProblem(IdentifierKind.id, "a\udc00")).toMatch(/surrogate/);
    expect(identifierProblem(IdentifierKind.id, "\ud83d\ude00")).toBeUndefined();
    expect(identifierProblem(IdentifierKind.id, 42)).toMatch(/string/);
  });

  it("holds names to plain text", () => {
    expect(identifierProblem(IdentifierKind.name, "fraud_review")).toBeUndefined();
    expect(identifierProblem(IdentifierKind.name, " go")).toMatch(/whitespace/);
    expect(identifierProblem(IdentifierKind.name, "g\no")).toMatch(/control/);
    expect(identifierProblem(IdentifierKind.name, "n".repeat(Limits.nameLength + 1))).toMatch(/at most/);
  });

  it("shows a refused value as a short escaped preview, never whole", async () => {
    const error = await thrown(() =>
      checkIdentifier(IdentifierKind.id, "\u0000".repeat(100_000), "workflow id"),
    );
    expect(error.code).toBe(ErrorCode.InvalidIdentifier);
    expect(error.message.length).toBeLessThan(1_000);
    expect(error.message).toContain("\\u0000");
    expect(error.message).not.toContain("\u0000");
    expect(describeValue("\ud800")).toBe('"\\ud800"');
    expect(utf8Bytes("a\u00e9\u20ac\ud83d\ude00")).toBe(1 + 2 + 3 + 4);
  });
});

describe("numbers, cursors and attributes", () => {
  it("refuses NaN, infinities, out-of-range and non-integer values", async () => {
    const range = { min: 1, max: 10, integer: true };
    expect(checkNumber(5, "n", range)).toBe(5);
    for (const bad of [Number.NaN, Infinity, -Infinity, 0, 11, 1.5, "5", null])
      expect((await thrown(() => checkNumber(bad, "n", range))).code).toBe(ErrorCode.InvalidNumber);
  });

  it("accepts the cursors pages return and refuses anything else", async () => {
    checkPageRequest(undefined, undefined);
    checkPageRequest(Limits.maxPageSize, "12345");
    for (const after of ["garbage", "", "-1", "1.5", "01", "1e3", " 1", "99999999999999999", 12])
      expect((await thrown(() => checkPageRequest(undefined, after))).code).toBe(ErrorCode.InvalidCursor);
    for (const limit of [-1, 0, 1e9, Limits.maxPageSize + 1, 2.5, Number.NaN])
      expect((await thrown(() => checkPageRequest(limit, undefined))).code).toBe(ErrorCode.InvalidNumber);
  });

  it("accepts small plain JSON attributes and names the path of a bad one", async () => {
    checkAttributes({ customer: "c-1", total: 42, tags: ["a", { b: null }], vip: true });
    const cases: [unknown, RegExp][] = [
      [{ k: "a\u0000" }, /attributes\.k must not contain NUL/],
      [{ k: ["\ud800"] }, /attributes\.k\[0\]/],
      [{ "": 1 }, /empty/],
      [{ "k\u0000": 1 }, /NUL/],
      [{ n: Number.NaN }, /finite/],
      [{ d: new Date(0) }, /plain JSON/],
      [{ big: "x".repeat(Limits.attributesBytes) }, /over the limit/],
      ["flat", /plain object/],
      [[1], /plain object/],
    ];
    for (const [value, message] of cases) {
      const error = await thrown(() => checkAttributes(value));
      expect(error.code).toBe(ErrorCode.InvalidAttributes);
      expect(error.message).toMatch(message);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect((await thrown(() => checkAttributes(cyclic))).message).toMatch(/deeper/);
  });
});

describe("connection strings", () => {
  it("accepts what pg connects with", () => {
    for (const url of [
      "postgres://app@db:5432/orders",
      "postgresql://app:p%40ss@db/orders?sslmode=require",
      "postgres://app:p@ss@db/orders",
      "postgres:///orders",
      "postgres://app@/orders?host=/var/run/postgresql",
      "socket:/var/run/postgresql?db=orders",
      "/var/run/postgresql orders",
    ])
      expect(checkConnectionString(url)).toBe(url);
  });

  it("refuses anything else with a clear error that never shows the string", async () => {
    for (const [url, problem] of [
      ["not a url", /not a URL/],
      ["host=db user=app password=s3cret", /key=value/],
      ["mysql://app:s3cret@db/orders", /scheme mysql/],
      ["", /empty/],
      ["postgres://app:s3cret@db/\u0000", /NUL/],
    ] as const) {
      const error = await thrown(() => checkConnectionString(url));
      expect(error.code).toBe(ErrorCode.InvalidConnectionString);
      expect(error.message).toMatch(problem);
      expect(error.message).not.toContain("s3cret");
      expect(JSON.stringify(error.data)).not.toContain("s3cret");
    }
  });

  it("is checked by openJournal before anything connects (no 'getaddrinfo ENOTFOUND base')", async () => {
    const error = await thrown(() => openJournal({ url: "db.internal:5432/orders" }));
    expect(error.code).toBe(ErrorCode.InvalidConnectionString);
    expect(error.message).toMatch(/openJournal\(\{ url \}\)/);
    expect(error.message).not.toMatch(/ENOTFOUND|base/);
    const months = await thrown(() =>
      openJournal({ dataDir: "memory://", partitionMonthsAhead: Number.NaN }),
    );
    expect(months.code).toBe(ErrorCode.InvalidNumber);
    // Group commit counts that would leave every step waiting, and a value that is no option set.
    const inFlight = await thrown(() =>
      openJournal({ dataDir: "memory://", groupCommit: { maxInFlight: 0 } }),
    );
    expect(inFlight.code).toBe(ErrorCode.InvalidNumber);
    expect(inFlight.message).toMatch(/groupCommit\.maxInFlight/);
    const batch = await thrown(() =>
      openJournal({ dataDir: "memory://", groupCommit: { maxBatch: Number.NaN } }),
    );
    expect(batch.code).toBe(ErrorCode.InvalidNumber);
    const shape = await thrown(() =>
      openJournal({ dataDir: "memory://", groupCommit: true as unknown as false }),
    );
    expect(shape.code).toBe(ErrorCode.InvalidArgument);
    expect(shape.message).toMatch(/groupCommit/);
  });
});

describe("options of the client, the engine and the test kit", () => {
  const journal = new MemoryJournal();

  it("refuses a bad namespace, owner, or timer period past Node's setTimeout limit", async () => {
    expect((await thrown(() => createClient({ journal, namespace: "a\u0000" }))).code).toBe(
      ErrorCode.InvalidIdentifier,
    );
    expect((await thrown(() => createClient({ journal, pollIntervalMs: Number.NaN }))).code).toBe(
      ErrorCode.InvalidArgument,
    );
    expect((await thrown(() => createEngine({ journal, workflows: [], namespace: "" }))).code).toBe(
      ErrorCode.InvalidIdentifier,
    );
    expect(
      (await thrown(() => createEngine({ journal, workflows: [], owner: "o".repeat(5_000) }))).code,
    ).toBe(ErrorCode.InvalidIdentifier);
    expect(
      (await thrown(() => createEngine({ journal, workflows: [], leaseMs: Limits.maxTimerMs + 1 }))).code,
    ).toBe(ErrorCode.InvalidArgument);
    const engine = createEngine({ journal, workflows: [] });
    expect((await thrown(() => engine.stop({ timeoutMs: -1 }))).code).toBe(ErrorCode.InvalidNumber);
  });

  it("refuses a missing journal, non-list registrations and an absurd payload limit where they are passed", async () => {
    for (const bad of [undefined, null, {}, "postgres://db"])
      expect((await thrown(() => createClient({ journal: bad as never }))).message).toMatch(/journal/);
    expect((await thrown(() => createEngine({ journal: undefined as never, workflows: [] }))).code).toBe(
      ErrorCode.InvalidArgument,
    );
    expect((await thrown(() => createEngine({ journal, workflows: "order" as never }))).message).toMatch(
      /workflows/,
    );
    expect(
      (await thrown(() => createClient({ journal, maxPayloadBytes: Limits.maxPayloadBytesSetting + 1 })))
        .code,
    ).toBe(ErrorCode.InvalidArgument);
  });

  it("refuses test-kit numbers that would hang or spin", async () => {
    expect((await thrown(() => createTestEnvironment({ workflows: [], maxRounds: Number.NaN }))).code).toBe(
      ErrorCode.InvalidNumber,
    );
    expect((await thrown(() => createTestEnvironment({ workflows: [], startTime: -Infinity }))).code).toBe(
      ErrorCode.InvalidNumber,
    );
    const env = await createTestEnvironment({ workflows: [] });
    for (const ms of [Infinity, Number.NaN, -1])
      expect((await thrown(() => env.advanceTime(ms))).code).toBe(ErrorCode.InvalidNumber);
    await env.close();
  });

  it("never starts the 520-transactions-a-second wait of result({ timeoutMs: NaN })", async () => {
    const client = createClient({ journal });
    let reads = 0;
    const counting = new Proxy(journal, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== "getRun" || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const spy = createClient({ journal: counting });
    for (const timeoutMs of [Number.NaN, -1, Infinity])
      expect((await thrown(() => spy.result("some-run", { timeoutMs }))).code).toBe(ErrorCode.InvalidNumber);
    expect(reads).toBe(0);
    expect((await thrown(() => client.result("", {}))).code).toBe(ErrorCode.InvalidIdentifier);
  });
});
