import type { ErrorCode } from "./error-code.ts";

/** Options every Continuum error takes. */
export interface ContinuumErrorOptions<Data> {
  /** Machine-readable details (ids, paths, limits): JSON-safe. */
  readonly data: Data;
  /** One line that tells the reader how to fix it. */
  readonly hint: string;
  readonly cause?: unknown;
}

/**
 * Root of Continuum's error hierarchy. Every error carries a stable `code` (never reworded,
 * safe to match on), `data` for programs, and a `hint` for people.
 *
 * @example
 * ```ts
 * try { await client.signal(runId, "approve", payload); }
 * catch (e) {
 *   if (e instanceof ContinuumError && e.code === ErrorCode.RunNotFound) { ... }
 * }
 * ```
 */
export class ContinuumError<Data = Record<string, unknown>> extends Error {
  readonly code: ErrorCode;
  readonly data: Data;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options: ContinuumErrorOptions<Data>) {
    super(
      `${message}\n  fix: ${options.hint}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.data = options.data;
    this.hint = options.hint;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** True when `value` is a Continuum error, optionally with the given code. */
export function isContinuumError(value: unknown, code?: ErrorCode): value is ContinuumError<unknown> {
  return value instanceof ContinuumError && (code === undefined || value.code === code);
}
