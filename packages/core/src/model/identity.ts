/**
 * Effect identity: the contract between the transformer and the replay engine.
 *
 * The transformer stamps every effect call site with a {@link Cursor}: a string computed from
 * syntax alone, so tspc, vite/vitest, the node loader and the editor all agree on it. The
 * runtime appends an occurrence counter so that the same call site reached several times (a
 * loop, a helper called twice) still gets one identity per call.
 *
 * Cursor grammar (see transformer/SPEC.md for how each part is derived):
 *
 * ```
 * cursor     = kind ":" target "#" ordinal
 * kind       = "activity" | "sleep" | "sleepUntil" | "signal" | "now" | "today" | "uuid4"
 *            | "random" | "sideEffect" | "log" | "child" | "startChild" | "awaitChild"
 *            | "patched" | "deprecatePatch" | "continueAsNew" | "compensate" | "compensateAll"
 *            | "cancellable" | "setAttributes"
 * target     = what the call is aimed at, from syntax (e.g. "payments.charge" for an activity,
 *              the literal name for a signal, "" when the effect has no target)
 * ordinal    = 0-based index of this call among the calls with the same kind and target in
 *              the same workflow body, in source order
 * identity   = cursor "@" occurrence      (occurrence: 0-based, counted at run time per cursor)
 * ```
 *
 * Why per-target ordinals: an edit that does not touch effect calls leaves every cursor as it
 * was, and inserting an unrelated effect does not renumber the others; reordering against
 * siblings, adding, removing or retargeting is still caught by replay (drift), because replay
 * matches commands in journal order and compares identities.
 *
 * @example
 * ```ts
 * const id: EffectIdentity = effectIdentity("activity:payments.charge#0", 2);
 * // "activity:payments.charge#0@2"
 * ```
 */
export type Cursor = string & { readonly __cursor?: never };

/** `cursor@occurrence`: unique per effect call within one run. */
export type EffectIdentity = string & { readonly __identity?: never };

/** The closed set of effect kinds a cursor may name. */
export const EffectKind = {
  activity: "activity",
  sleep: "sleep",
  sleepUntil: "sleepUntil",
  signal: "signal",
  now: "now",
  today: "today",
  uuid4: "uuid4",
  random: "random",
  sideEffect: "sideEffect",
  log: "log",
  child: "child",
  startChild: "startChild",
  awaitChild: "awaitChild",
  patched: "patched",
  deprecatePatch: "deprecatePatch",
  continueAsNew: "continueAsNew",
  compensate: "compensate",
  compensateAll: "compensateAll",
  /** The timeout timer of a `cancellable(fn, { timeout })` scope. */
  cancellable: "cancellable",
  /** setAttributes(): an `attributes_set` event. */
  setAttributes: "setAttributes",
  /** Not a call site: the journal timer of a workflow-level timeout (`workflow(name, { timeoutMs })`). */
  workflowTimeout: "workflowTimeout",
} as const;
export type EffectKind = (typeof EffectKind)[keyof typeof EffectKind];

/** Builds the identity of the `occurrence`-th call of `cursor` in one run. */
export function effectIdentity(cursor: Cursor, occurrence: number): EffectIdentity {
  return `${cursor}@${occurrence}`;
}

/** Splits a cursor into its parts; `undefined` when it does not follow the grammar. */
export function parseCursor(
  cursor: string,
): { kind: EffectKind; target: string; ordinal: number } | undefined {
  const colon = cursor.indexOf(":");
  const hash = cursor.lastIndexOf("#");
  if (colon <= 0 || hash < colon) return undefined;
  const kind = cursor.slice(0, colon);
  if (!Object.hasOwn(EffectKind, kind)) return undefined;
  const ordinal = Number(cursor.slice(hash + 1));
  if (!Number.isInteger(ordinal) || ordinal < 0) return undefined;
  return { kind: kind as EffectKind, target: cursor.slice(colon + 1, hash), ordinal };
}

/**
 * What the transformer injects into each `workflow(...)` definition. The runtime refuses to
 * register a workflow without it (the workflow was not transformed, so its effects carry no
 * cursors and replay could not be trusted).
 */
export interface WorkflowStamp {
  /** Version of the stamp format; the runtime rejects formats it does not know. */
  readonly format: 1;
  /** Hash of the workflow's effect structure (its cursors, in source order). */
  readonly versionHash: string;
  /** Every cursor stamped inside this workflow's body, in source order. */
  readonly cursors: readonly Cursor[];
  /** Source file, relative to the project root, for error messages and the Observer. */
  readonly file: string;
  /** 1-based line of the `workflow(...)` call. */
  readonly line: number;
}

/** A source location as the transformer records it (1-based line and column). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}
