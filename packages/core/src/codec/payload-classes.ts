import { InvalidPayloadCodecError } from "../errors/codec-errors.ts";

/** How one user class crosses a durable boundary: to plain (encodable) data and back. */
export interface PayloadClassCodec<T> {
  /** Stored in the payload; defaults to the class name. Must be stable across deploys. */
  readonly name?: string;
  /** The data to store: anything the codec can encode (Dates, Maps, nested classes, ...). */
  toData(value: T): unknown;
  /** Rebuilds the instance from what `toData` returned. */
  fromData(data: unknown): T;
}

interface Registered {
  readonly name: string;
  readonly codec: PayloadClassCodec<unknown>;
}

type AnyClass<T> = abstract new (...args: never[]) => T;

const byPrototype = new Map<object, Registered>();
const byName = new Map<string, Registered & { readonly prototype: object }>();

/**
 * Lets instances of `cls` be used in payloads (workflow input and result, activity arguments
 * and results, signals). Register it in every process that encodes or decodes such payloads
 * (engine and client), before they do. Instances of subclasses need their own registration.
 *
 * @example
 * ```ts
 * class Money { constructor(readonly cents: bigint, readonly currency: string) {} }
 * registerPayloadClass(Money, {
 *   toData: (m) => ({ cents: m.cents, currency: m.currency }),
 *   fromData: (d) => { const { cents, currency } = d as { cents: bigint; currency: string }; return new Money(cents, currency); },
 * });
 * ```
 */
export function registerPayloadClass<T extends object>(cls: AnyClass<T>, codec: PayloadClassCodec<T>): void {
  const name = codec.name ?? cls.name;
  if (typeof cls !== "function" || typeof cls.prototype !== "object" || cls.prototype === null) {
    throw new InvalidPayloadCodecError(String(name), "the first argument is not a class");
  }
  if (!name) throw new InvalidPayloadCodecError("", "the class has no name; pass { name }");
  const existing = byName.get(name);
  if (existing !== undefined && existing.prototype !== cls.prototype) {
    throw new InvalidPayloadCodecError(name, "another class is registered under this name");
  }
  const entry = { name, codec: codec as PayloadClassCodec<unknown> };
  byPrototype.set(cls.prototype as object, entry);
  byName.set(name, { ...entry, prototype: cls.prototype as object });
}

/** The registration for a value whose prototype is exactly a registered class's. */
export function payloadClassOf(prototype: unknown): Registered | undefined {
  return typeof prototype === "object" && prototype !== null ? byPrototype.get(prototype) : undefined;
}

/** The registration stored under `name`. */
export function payloadClassNamed(name: string): Registered | undefined {
  return byName.get(name);
}
