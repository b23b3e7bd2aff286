/**
 * Every size and range limit Continuum enforces at its public boundary, in one place. The
 * guide `guides/limits.md` explains each one; change them together.
 *
 * Why these numbers: ids and names are stored in btree-indexed text columns (a PostgreSQL index
 * row holds at most ~2,700 bytes, beyond that the insert fails with 54000), and the widest index
 * pairs two of them (namespace + workflow id, activity name + idempotency key, run id +
 * delivery id). Payloads are kept forever and replay reads them back, so they stay small.
 *
 * @example
 * ```ts
 * if (Buffer.byteLength(workflowId) > Limits.idBytes) ...
 * ```
 */
export const Limits = {
  /** Workflow ids, run ids, delivery ids, idempotency keys: UTF-8 bytes. */
  idBytes: 1_000,
  /** Namespaces and engine owners: UTF-8 bytes. */
  namespaceBytes: 200,
  /** Signal names and attribute keys (and workflow/activity names, in characters): */
  nameLength: 200,
  /** A cancellation reason: UTF-8 bytes. */
  reasonBytes: 4_000,
  /** All search attributes of one run, as JSON text: bytes. */
  attributesBytes: 16 * 1024,
  /** Nesting depth of one attribute value. */
  attributesDepth: 16,
  /** Default limit on one encoded payload at the client (input, signal payload): bytes of JSON. */
  defaultPayloadBytes: 256 * 1024,
  /** Highest client `maxPayloadBytes` accepted: far below PostgreSQL's 1 GB per value. */
  maxPayloadBytesSetting: 64 * 1024 * 1024,
  /**
   * Limit on one encoded payload written by workflow or activity code: activity arguments and
   * results, heartbeat details, child and continue-as-new inputs, side-effect values, workflow
   * results. A bigger one fails the call, the attempt (non-retryable) or the run with
   * `PayloadTooLargeError`.
   */
  workflowPayloadBytes: 256 * 1024,
  /** `list()` page size: 1 to this many runs. */
  maxPageSize: 1_000,
  /**
   * Longest wait or period a timer in this process can take (Node's setTimeout limit,
   * 2^31 - 1 ms, about 24.8 days): poll intervals, leases, shutdown timeouts. Longer values
   * would fire at once (Node clamps them to 1 ms) and spin.
   */
  maxTimerMs: 2_147_483_647,
  /** Longest `client.result()` timeout: about 285,000 years, i.e. any finite wait a caller means. */
  maxWaitMs: Number.MAX_SAFE_INTEGER,
} as const;
