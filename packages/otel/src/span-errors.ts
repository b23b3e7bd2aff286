import { SpanStatusCode, type Span, type TimeInput } from "@opentelemetry/api";
import type { SerializedError } from "@continuum/core";
import { ContinuumAttributes } from "./attributes.ts";

/**
 * The `error.type` of an error: its Continuum code when it has one (stable, low-cardinality),
 * else its class name; `_OTHER` for a value that is not an error at all.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return "_OTHER";
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === "string" && code !== "") return code;
  return typeof name === "string" && name !== "" ? name : "_OTHER";
}

/** Marks a span failed by `error` (thrown, or serialized by the journal): status, `error.type`, exception event. */
export function recordFailure(span: Span, error: unknown, time?: TimeInput): void {
  const type = errorTypeOf(error);
  span.setAttribute(ContinuumAttributes.errorType, type);
  const message = messageOf(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (typeof error === "object" && error !== null) {
    const { name, stack } = error as Partial<SerializedError>;
    span.recordException(
      {
        name: typeof name === "string" ? name : type,
        message,
        ...(typeof stack === "string" ? { stack } : {}),
        code: type,
      },
      time,
    );
  } else span.recordException(String(error), time);
}

function messageOf(error: unknown): string {
  if (typeof error === "object" && error !== null && typeof (error as Error).message === "string")
    return (error as Error).message;
  return String(error);
}
