/**
 * The workflow API: what workflow code imports (`@continuum/core/workflow`, also re-exported
 * from `@continuum/core`). Nothing here performs I/O; every effect is handed to the execution
 * that runs the workflow (src/replay).
 *
 * @example
 * ```ts
 * import { workflow, activity, signal, isTimeout, hours } from "@continuum/core/workflow";
 * export const orderFlow = workflow("order", { version: 1 }, async ({ orderId }: { orderId: string }) => {
 *   await activity(payments.charge, orderId, 42);
 *   const review = await signal<"ok" | "no">("review", { timeout: hours(24) });
 *   return isTimeout(review) ? "timed out" : review;
 * });
 * ```
 */
export { workflow, assertStamped, isWorkflowDefinition } from "./workflow.ts";
export {
  SearchAttributeType,
  checkDeclaredAttributes,
  checkAttributeUpdate,
  maxKeywordLength,
} from "./search-attributes.ts";
export { setAttributes } from "./set-attributes.ts";
export type { SetAttributesEffect } from "./set-attributes.ts";
export type { SearchAttributeDeclarations } from "./search-attributes.ts";
export type {
  WorkflowDefinition,
  AnyWorkflowDefinition,
  WorkflowFactory,
  WorkflowFunction,
  WorkflowInput,
  WorkflowOptions,
  WorkflowOutput,
} from "./workflow.ts";
export { defineActivity, isActivityDefinition } from "./define-activity.ts";
export type {
  ActivityArgs,
  ActivityDefinition,
  ActivityOptions,
  ActivityResult,
  AnyActivityDefinition,
  HasRestParameter,
  IsFixedParameterList,
} from "./define-activity.ts";
export {
  resolveActivityOptions,
  defaultActivityTimeoutMs,
  defaultRetryPolicy,
} from "./resolve-activity-options.ts";
export type { ActivityOverrides } from "./resolve-activity-options.ts";
export { activity } from "./activity.ts";
export type { ActivityCallOptions, ActivityEffect, Compensation } from "./activity.ts";
export { sleep, sleepUntil } from "./sleep.ts";
export type { SleepEffect, SleepUntilEffect } from "./sleep.ts";
export { signal, SignalTimeout, isTimeout } from "./signal.ts";
export { defineSignal, isSignalDefinition } from "./define-signal.ts";
export type {
  AnySignalDefinition,
  SignalDefinition,
  SignalPayload,
  SignalValidator,
} from "./define-signal.ts";
export { defineQuery, isQueryDefinition, setHandler } from "./define-query.ts";
export type { QueryDefinition, QueryHandler } from "./define-query.ts";
export { defineUpdate, isUpdateDefinition } from "./define-update.ts";
export type { UpdateDefinition } from "./define-update.ts";
export type { AnyQueryDefinition, AnyUpdateDefinition } from "./workflow.ts";
export type { SignalEffect, SignalOptions } from "./signal.ts";
export { now, today, uuid4, random } from "./deterministic-values.ts";
export { compensate, compensateAll, CompensationFailurePolicy } from "./compensate.ts";
export type { CompensateAllEffect, CompensateAllOptions, CompensateEffect } from "./compensate.ts";
export type { ExitPolicy } from "./workflow.ts";
export { sideEffect } from "./side-effect.ts";
export { patched, deprecatePatch } from "./patched.ts";
export type { DeprecatePatchEffect, PatchedEffect } from "./patched.ts";
export type { SideEffectEffect } from "./side-effect.ts";
export { log, LogLevel } from "./log.ts";
export type { LogEffect } from "./log.ts";
export { seconds, minutes, hours, days } from "./durations.ts";
export type { Effect } from "./stamped-effect.ts";
export type {
  ChildRef,
  ChildRequest,
  EffectHost,
  PreparedCompensation,
  ScopeRequest,
  ScopeRun,
  TimerSpec,
} from "./effect-host.ts";
export { child, startChild, awaitChild } from "./child-workflow.ts";
export type {
  AwaitChildEffect,
  ChildEffect,
  ChildHandle,
  ChildOptions,
  StartChildEffect,
} from "./child-workflow.ts";
export { cancellable, nonCancellable, complete, isCancellation } from "./cancellation-scope.ts";
export type { CancellableEffect, CancellableOptions, CancellableScope } from "./cancellation-scope.ts";
export { continueAsNew } from "./continue-as-new.ts";
export type { ContinueAsNewEffect } from "./continue-as-new.ts";
export {
  ActivityFailure,
  CancelledError,
  ChildWorkflowFailure,
  CompensationFailure,
} from "../errors/workflow-errors.ts";
