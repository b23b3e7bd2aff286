/**
 * A value after the payload codec encoded it: plain JSON, safe for jsonb and for equality
 * checks. Journals store and return it verbatim and never look inside; only the codec
 * (src/codec) turns it back into user values.
 */
export type Encoded =
  null | boolean | number | string | readonly Encoded[] | { readonly [key: string]: Encoded };

/**
 * An error as stored in the journal: enough to rebuild a typed error on the other side of a
 * process boundary, and to show it to an operator.
 */
export interface SerializedError {
  /** The error's class name (`Error`, `TypeError`, a user class name). */
  readonly name: string;
  readonly message: string;
  /** Continuum's stable error code when the error is one of ours, else absent. */
  readonly code?: string;
  readonly stack?: string;
  /** Encoded extra data (user error fields, Continuum error data). */
  readonly data?: Encoded;
  readonly cause?: SerializedError;
}
