import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { IdentifierKind, Limits, describeValue, identifierProblem } from "../validation/index.ts";
import type { ParentClosePolicy } from "../model/index.ts";
import type { ChildRef, ChildRequest } from "./effect-host.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";
import { assertStamped, isWorkflowDefinition } from "./workflow.ts";
import type { AnyWorkflowDefinition, WorkflowInput, WorkflowOutput } from "./workflow.ts";

/** Per-call options of {@link child} and {@link startChild}. */
export interface ChildOptions {
  /**
   * The child's workflow id (unique per namespace). Default: derived from the parent's run id
   * and the call's identity, so a replayed or recovered parent names the same child. A given
   * id that is already taken fails the call with `ChildWorkflowFailure` (cause
   * RunAlreadyExistsError).
   */
  readonly id?: string;
  /** What the parent's end does to this child while it still runs. Default `"cancel"`. */
  readonly parentClosePolicy?: ParentClosePolicy;
}

/**
 * A started child workflow, typed by its output. Pass it to {@link awaitChild}; it is only
 * valid inside the run that started it.
 */
export interface ChildHandle<Output> extends ChildRef {
  /** Phantom: carries the child's output type. */
  readonly __output?: (value: Output) => void;
}

/** Signature of {@link child}. */
export type ChildEffect = <D extends AnyWorkflowDefinition>(
  definition: D,
  input: WorkflowInput<D>,
  options?: ChildOptions,
) => Promise<WorkflowOutput<D>>;
/** Signature of {@link startChild}. */
export type StartChildEffect = <D extends AnyWorkflowDefinition>(
  definition: D,
  input: WorkflowInput<D>,
  options?: ChildOptions,
) => Promise<ChildHandle<WorkflowOutput<D>>>;
/** Signature of {@link awaitChild}. */
export type AwaitChildEffect = <Output>(handle: ChildHandle<Output>) => Promise<Output>;

function childRequest(effect: string, definition: unknown, input: unknown, options: unknown): ChildRequest {
  if (!isWorkflowDefinition(definition)) {
    throw new InvalidEffectArgumentError(
      effect,
      "the first argument",
      "is not a workflow definition",
      "pass what workflow() returned, e.g. child(shipment, { orderId })",
    );
  }
  assertStamped(definition);
  const opts = (options ?? {}) as { id?: unknown; parentClosePolicy?: unknown };
  if (typeof opts !== "object") {
    throw new InvalidEffectArgumentError(
      effect,
      "options",
      "must be an object",
      "pass { id?, parentClosePolicy? }",
    );
  }
  const idProblem = opts.id === undefined ? undefined : identifierProblem(IdentifierKind.id, opts.id);
  if (idProblem !== undefined) {
    throw new InvalidEffectArgumentError(
      effect,
      "options.id",
      `${idProblem}, got ${describeValue(opts.id)}`,
      `derive child ids (at most ${Limits.idBytes} bytes) from your data, e.g. \`ship-\${orderId}\`, or leave id out`,
    );
  }
  const policy = opts.parentClosePolicy ?? "cancel";
  if (policy !== "cancel" && policy !== "abandon") {
    throw new InvalidEffectArgumentError(
      effect,
      "options.parentClosePolicy",
      `must be "cancel" or "abandon", got ${describeValue(policy)}`,
      'use "cancel" (default) or "abandon"',
    );
  }
  return {
    workflowName: definition.name,
    versionHash: definition.stamp.versionHash,
    input,
    parentClosePolicy: policy,
    ...(opts.id === undefined ? {} : { workflowId: opts.id as string }),
  };
}

/**
 * Runs another workflow as a child of this run and waits for its result, typed by the child's
 * definition. The child is created atomically with the step that calls this, exactly once
 * (replay and crash recovery find it again by its identity); it runs on any engine that has
 * its workflow registered. A failed or cancelled child rejects with `ChildWorkflowFailure`.
 * When this run ends first, the child is cancelled (default) or left running
 * (`parentClosePolicy: "abandon"`).
 *
 * @example
 * ```ts
 * const label = await child(shipment, { orderId, address });
 * const results = await Promise.all(orders.map((o) => child(fulfil, o, { id: `fulfil-${o.id}` })));
 * ```
 */
export const child: Effect<ChildEffect> = stampedEffect<ChildEffect>(
  "child",
  (host, cursor, [definition, input, options]) =>
    host.child(cursor, childRequest("child", definition, input, options)),
);

/**
 * Starts a child workflow and returns its handle at once (the child is created with this
 * step); wait for it later with {@link awaitChild}. The child's outcome is kept until awaited,
 * so awaiting a child that already finished returns at once.
 *
 * @example
 * ```ts
 * const handles = [];
 * for (const item of items) handles.push(await startChild(pick, item));
 * const picked = await Promise.all(handles.map((h) => awaitChild(h)));
 * ```
 */
export const startChild: Effect<StartChildEffect> = stampedEffect<StartChildEffect>(
  "startChild",
  (host, cursor, [definition, input, options]) =>
    host.startChild(cursor, childRequest("startChild", definition, input, options)),
);

/**
 * Waits for a child started with {@link startChild} and returns its result, typed by the
 * handle. Rejects with `ChildWorkflowFailure` when the child failed or was cancelled.
 *
 * @example
 * ```ts
 * const handle = await startChild(report, { month });
 * await activity(notify.sent, month);
 * const summary = await awaitChild(handle);
 * ```
 */
export const awaitChild: Effect<AwaitChildEffect> = stampedEffect<AwaitChildEffect>(
  "awaitChild",
  (host, cursor, [handle]) => {
    const ref = handle as Partial<ChildRef> | null | undefined;
    if (
      typeof ref?.identity !== "string" ||
      typeof ref.workflowId !== "string" ||
      typeof ref.workflowName !== "string"
    ) {
      throw new InvalidEffectArgumentError(
        "awaitChild",
        "handle",
        "is not a child handle",
        "pass what startChild() returned",
      );
    }
    return host.awaitChild(cursor, {
      identity: ref.identity,
      workflowId: ref.workflowId,
      workflowName: ref.workflowName,
    });
  },
);
