import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { captureLogger, type CapturedLog } from "./capture-logger.ts";
import { createConsoleLogger } from "./console-logger.ts";
import { createEngineLog, messageFirstLogger, type LogFields } from "./logger.ts";
import { resolveEngineLog } from "./resolve-engine-log.ts";

const at = new Date("2026-12-06T14:02:11.231Z");

function stream(isTTY = false) {
  const lines: string[] = [];
  return { lines, isTTY, write: (text: string) => void lines.push(text) };
}

const savedLevel = process.env["CONTINUUM_LOG_LEVEL"];
afterEach(() => {
  if (savedLevel === undefined) delete process.env["CONTINUUM_LOG_LEVEL"];
  else process.env["CONTINUUM_LOG_LEVEL"] = savedLevel;
});

describe("console logger", () => {
  it("json: one object per line, level, time, msg, then the fields", () => {
    const out = stream();
    const logger = createConsoleLogger({ format: "json", stream: out, now: () => at });
    logger.error(
      { event: "run.failed", runId: "r-1", code: "CTM_X", skipped: undefined },
      "run failed: boom",
    );
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(out.lines[0]!)).toEqual({
      level: "error",
      time: "2026-12-06T14:02:11.231Z",
      msg: "run failed: boom",
      event: "run.failed",
      runId: "r-1",
      code: "CTM_X",
    });
  });

  it("pretty: time, padded level, message on one line, key=value fields; colour only on a TTY", () => {
    const plain = stream(false);
    createConsoleLogger({ format: "pretty", stream: plain, now: () => at }).warn(
      { runId: "r-1", attempt: 5, error: "psp down", data: { a: 1 } },
      "activity failed\n  fix: retry later",
    );
    expect(plain.lines).toEqual([
      '14:02:11.231 WARN  activity failed | fix: retry later runId=r-1 attempt=5 error="psp down" data={"a":1}\n',
    ]);
    const tty = stream(true);
    createConsoleLogger({ format: "pretty", stream: tty, now: () => at }).info({}, "hello");
    expect(tty.lines[0]).toBe("14:02:11.231 \u001b[36mINFO \u001b[0m hello\n");
  });

  it("defaults to json when NODE_ENV=production", () => {
    const saved = process.env["NODE_ENV"];
    process.env["NODE_ENV"] = "production";
    try {
      const out = stream(true);
      createConsoleLogger({ stream: out, now: () => at }).info({ n: 1 }, "x");
      expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: "info", msg: "x", n: 1 });
    } finally {
      if (saved === undefined) delete process.env["NODE_ENV"];
      else process.env["NODE_ENV"] = saved;
    }
  });

  it("masks connection strings and passwords in messages and fields", () => {
    const out = stream();
    const logger = createConsoleLogger({ format: "json", stream: out, now: () => at });
    logger.error(
      { error: "connect ECONNREFUSED postgres://app:s3cret-pw@db.internal:5432/orders" },
      "journal unreachable: postgres://app:s3cret-pw@db.internal:5432/orders",
    );
    expect(out.lines[0]).not.toContain("s3cret-pw");
    expect(out.lines[0]).toContain("db.internal");
  });
});

describe("engine log: levels and adapters", () => {
  it("drops lines below the level before calling the logger", () => {
    const lines: CapturedLog[] = [];
    const log = createEngineLog(captureLogger(lines), "warn");
    log.log("debug", "d");
    log.log("info", "i");
    log.log("warn", "w", { k: 1 });
    log.log("error", "e");
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ["warn", "w"],
      ["error", "e"],
    ]);
    expect(lines[0]?.fields).toEqual({ k: 1 });
    expect([log.enabled("info"), log.enabled("error")]).toEqual([false, true]);
  });

  it("calls a pino-shaped logger as (fields, message), on itself", () => {
    // pino's methods read their own instance (bindings, streams): they must be called on it.
    class PinoLike {
      readonly records: { level: number; msg: string; [key: string]: unknown }[] = [];
      readonly #bindings = { service: "orders" };
      #write(level: number, fields: LogFields, msg: string): void {
        this.records.push({ level, ...this.#bindings, ...fields, msg });
      }
      debug(fields: LogFields, msg: string): void {
        this.#write(20, fields, msg);
      }
      info(fields: LogFields, msg: string): void {
        this.#write(30, fields, msg);
      }
      warn(fields: LogFields, msg: string): void {
        this.#write(40, fields, msg);
      }
      error(fields: LogFields, msg: string): void {
        this.#write(50, fields, msg);
      }
    }
    const pino = new PinoLike();
    const log = resolveEngineLog({ logger: pino, logLevel: "info" });
    log.log("error", "run failed", { runId: "r-1" });
    log.log("debug", "dropped");
    expect(pino.records).toEqual([{ level: 50, service: "orders", runId: "r-1", msg: "run failed" }]);
  });

  it("messageFirstLogger adapts winston/console-style loggers", () => {
    const calls: unknown[][] = [];
    const winstonLike = {
      debug: (...args: unknown[]) => calls.push(["debug", ...args]),
      info: (...args: unknown[]) => calls.push(["info", ...args]),
      warn: (...args: unknown[]) => calls.push(["warn", ...args]),
      error: (...args: unknown[]) => calls.push(["error", ...args]),
    };
    createEngineLog(messageFirstLogger(winstonLike), "debug").log("warn", "lease lost", { runId: "r" });
    expect(calls).toEqual([["warn", "lease lost", { runId: "r" }]]);
  });

  it("masks connection strings for any logger, not only the default one", () => {
    const lines: CapturedLog[] = [];
    createEngineLog(captureLogger(lines), "info").log("error", "down: postgres://app:s3cret-pw@db:5432/x", {
      error: "password=s3cret-pw host=db",
      attempt: 2,
    });
    expect(JSON.stringify(lines)).not.toContain("s3cret-pw");
    expect(lines[0]?.fields["attempt"]).toBe(2);
  });

  it("a throwing logger costs the line, not the engine", () => {
    const broken = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {
        throw new Error("disk full");
      },
    };
    expect(() => createEngineLog(broken, "info").log("error", "x")).not.toThrow();
  });

  it("resolves logger: false, CONTINUUM_LOG_LEVEL and rejects bad options", () => {
    expect(resolveEngineLog({ logger: false }).level).toBe("silent");
    process.env["CONTINUUM_LOG_LEVEL"] = "silent";
    expect(resolveEngineLog({}).level).toBe("silent");
    expect(resolveEngineLog({ logLevel: "warn" }).level).toBe("warn");
    process.env["CONTINUUM_LOG_LEVEL"] = "ERROR";
    expect(resolveEngineLog({}).level).toBe("error");
    process.env["CONTINUUM_LOG_LEVEL"] = "nonsense";
    expect(resolveEngineLog({}).level).toBe("info");
    expect(() => resolveEngineLog({ logLevel: "loud" as never })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => resolveEngineLog({ logger: { info: () => {} } as never })).toThrow(
      /debug, info, warn and error/,
    );
    expect(() => resolveEngineLog({ logFormat: "xml" as never })).toThrow(/logFormat/);
  });
});
