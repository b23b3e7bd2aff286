import { serializeError } from "../codec/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { CancelledError, WorkflowTimeoutError } from "../errors/workflow-errors.ts";
import { effectIdentity } from "../model/index.ts";
import type { Cursor, EffectIdentity, TerminalCommand } from "../model/index.ts";
import type { AnyWorkflowDefinition } from "../workflow/workflow.ts";
import { rejected } from "./deferred.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import type { EffectWaits } from "./effect-waits.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";

/** Cursor of the journal timer that enforces a workflow-level timeout (`workflow(name, { timeoutMs })`). */
const workflowTimeoutCursor: Cursor = "workflowTimeout:#0";

/** Cursor of the compensations that `onCancel`/`onTimeout: "compensate"` runs as the run ends. */
export const exitCompensationCursor: Cursor = "compensateAll:$onExit#0";

/** What a {@link RunLifecycle} needs from the execution it belongs to. */
export interface RunLifecycleDeps {
  readonly definition: Pick<AnyWorkflowDefinition, "name" | "timeoutMs" | "onCancel" | "onTimeout">;
  readonly waits: Pick<EffectWaits, "size" | "rejectAll" | "abandon">;
  /** Journals the deadline, and withdraws what the waits a cancellation or timeout rejects no longer need. */
  readonly recorder: Pick<EffectRecorder, "recorded" | "append" | "withdraw">;
}

/**
 * How a run is brought to its end from outside its code, and how its ending is recorded: a
 * cancellation, the workflow-level deadline (`timeoutMs`), the compensations `onCancel`/
 * `onTimeout: "compensate"` run on the way out, and the terminal command the ending becomes.
 */
export class RunLifecycle {
  private readonly deps: RunLifecycleDeps;
  private cancelReason: { readonly reason: string | undefined } | undefined;
  /** A cancellation found nothing pending: the next effect the code waits on is rejected. */
  private cancelArmed = false;
  /** The run's workflow-level timeout, when it started with one: its timer's identity and length. */
  private deadline: { readonly identity: EffectIdentity; readonly timeoutMs: number } | undefined;
  private timedOut = false;
  /** Like cancelArmed, for a timeout that found nothing pending. */
  private timeoutArmed = false;
  /** onCancel/onTimeout "compensate" is running the compensations before the run ends. */
  private exitCompensating = false;

  constructor(deps: RunLifecycleDeps) {
    this.deps = deps;
  }

  /**
   * Live: a run of a workflow with `timeoutMs` journals its deadline as a timer before its code
   * runs. Replay: a run keeps the deadline it started with, whatever the code says now (a run
   * started before the option existed has none; one started with it keeps it).
   */
  armDeadline(): void {
    const identity = effectIdentity(workflowTimeoutCursor, 0);
    const { recorded } = this.deps.recorder;
    if (recorded.live) {
      const timeoutMs = this.deps.definition.timeoutMs;
      if (timeoutMs === undefined) return;
      this.deps.recorder.append({ kind: "timer_started", identity, delayMs: timeoutMs });
      this.deadline = { identity, timeoutMs };
      return;
    }
    const next = recorded.peek();
    if (next?.kind === "timer_started" && next.identity === identity && recorded.consumeIf(() => true)) {
      this.deadline = { identity, timeoutMs: next.delayMs ?? 0 };
    }
  }

  /** Whether `identity` names the timer of the run's deadline. */
  isDeadline(identity: EffectIdentity): boolean {
    return identity === this.deadline?.identity;
  }

  cancel(reason: string | undefined): void {
    // Compensating on the way out already: a second request must not abort the compensations.
    if (this.exitCompensating) return;
    this.cancelReason = { reason };
    if (this.deps.waits.size === 0) {
      this.cancelArmed = true;
      return;
    }
    this.deps.recorder.withdraw(this.deps.waits.rejectAll(() => new CancelledError(reason)));
  }

  /** The deadline's timer fired: like a cancellation, with WorkflowTimeoutError. */
  timeOut(): void {
    const deadline = this.deadline;
    if (deadline === undefined || this.exitCompensating) return;
    this.timedOut = true;
    if (this.deps.waits.size === 0) {
      this.timeoutArmed = true;
      return;
    }
    this.deps.recorder.withdraw(
      this.deps.waits.rejectAll(
        () => new WorkflowTimeoutError(this.deps.definition.name, deadline.timeoutMs),
      ),
    );
  }

  /** A cancellation or timeout that found nothing pending, as the rejection of the effect called now (once). */
  armedRejection(): Promise<never> | undefined {
    if (this.cancelArmed) {
      this.cancelArmed = false;
      return rejected(new CancelledError(this.cancelReason?.reason));
    }
    if (this.timeoutArmed && this.deadline !== undefined) {
      this.timeoutArmed = false;
      return rejected(new WorkflowTimeoutError(this.deps.definition.name, this.deadline.timeoutMs));
    }
    return undefined;
  }

  /** Whether the workflow asked to compensate when it ends with this error (and has not yet). */
  compensatesOnExit(error: unknown): boolean {
    if (this.exitCompensating) return false;
    if (this.cancelReason !== undefined && isContinuumError(error, ErrorCode.Cancelled))
      return this.deps.definition.onCancel === "compensate";
    if (this.timedOut && isContinuumError(error, ErrorCode.WorkflowTimeout))
      return this.deps.definition.onTimeout === "compensate";
    return false;
  }

  /**
   * The exit compensations start: nothing is armed any more, and what the code still waited on
   * is abandoned (the compensations are the only effects left).
   */
  beginExitCompensation(): void {
    this.exitCompensating = true;
    this.cancelArmed = false;
    this.timeoutArmed = false;
    this.deps.waits.abandon();
  }

  /** The terminal command for code that returned `value` or (`threw`) threw `error`. */
  outcomeOf(value: unknown, error: unknown, threw: boolean): TerminalCommand {
    if (!threw) {
      try {
        return { kind: "complete_run", result: encodeWithinLimit(value, "result") };
      } catch (encodeError) {
        return { kind: "fail_run", error: serializeError(encodeError) };
      }
    }
    if (this.cancelReason !== undefined && isContinuumError(error, ErrorCode.Cancelled)) {
      const { reason } = this.cancelReason;
      return reason === undefined ? { kind: "cancel_run" } : { kind: "cancel_run", reason };
    }
    return { kind: "fail_run", error: serializeError(error) };
  }
}
