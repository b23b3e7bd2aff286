import type { NewChildRun, NewTask, NewTimer, RunLeaseRef, StepCommit } from "../journal/journal.ts";
import { RunStatus } from "../model/run-status.ts";
import { assertNever } from "../model/history-event.ts";
import type { Command, TerminalCommand } from "../model/command.ts";
import type { ExecutionStepResult } from "../replay/execution-contract.ts";
import type { HistoryEventBody } from "../model/history-event.ts";
import { validTraceContext } from "../model/trace-context.ts";
import type { Instrumentation } from "./instrumentation.ts";
import { isTerminal, type EffectIdentity, type TraceContext } from "../model/index.ts";

/**
 * The trace context of the children a run's step starts: the instrumentation's choice, else the
 * parent's own. Undefined when neither has one (an untraced run's children stay untraced).
 */
export function childTraceContexts(
  parent: { readonly runId: string; readonly workflowName: string; readonly traceContext?: TraceContext },
  instrumentation: Instrumentation | undefined,
): ((child: NewChildRun) => TraceContext | undefined) | undefined {
  const hook = instrumentation?.childTraceContext;
  if (hook === undefined) return parent.traceContext === undefined ? undefined : () => parent.traceContext;
  return (child) =>
    validTraceContext(
      hook.call(instrumentation, {
        parentRunId: parent.runId,
        parentWorkflowName: parent.workflowName,
        ...(parent.traceContext === undefined ? {} : { parentTraceContext: parent.traceContext }),
        childRunId: child.runId,
        childWorkflowId: child.workflowId,
        childWorkflowName: child.workflowName,
      }),
    ) ?? parent.traceContext;
}

/** What {@link buildStepCommit} needs: the claim's lease and position, and the step's result. */
export interface StepCommitInput {
  readonly lease: RunLeaseRef;
  readonly lastSeq: number;
  readonly delivered: readonly number[];
  readonly result: ExecutionStepResult;
  /** Lease extension when the execution stays cached (sticky). */
  readonly leaseMs?: number;
  /** Names the successor of a run that continues as new, and each child's first run (the execution leaves them blank). */
  readonly newRunId: () => string;
  /** The trace context each child run starts with (absent: none). */
  readonly childTraceContext?: (child: NewChildRun) => TraceContext | undefined;
}

/**
 * Turns what one execution step returned into the journal's atomic step commit: the events
 * verbatim, a task per scheduled activity, a timer per sleep and per signal wait with a
 * timeout (same identity as the wait, so the wait's resolution can cancel it), and the run row
 * from the outcome.
 */
export function buildStepCommit(input: StepCommitInput): StepCommit {
  const tasks: NewTask[] = [];
  const timers: NewTimer[] = [];
  for (const command of input.result.commands) collect(command, tasks, timers);
  const { events: withSuccessor, run } = terminal(input.result, input.newRunId);
  const { events, children } = nameChildren(withSuccessor, input.newRunId, input.childTraceContext);
  return {
    lease: input.lease,
    lastSeq: input.lastSeq,
    delivered: input.delivered,
    events,
    tasks,
    timers,
    cancelTimers: input.result.cancelTimers,
    ...cancelTasksOf(input.result),
    run,
    ...(input.leaseMs === undefined ? {} : { leaseMs: input.leaseMs }),
    ...(children.length === 0 ? {} : { children }),
  };
}

/** Queued activity calls the step gave up on (a cancelled saga); left out when there are none. */
function cancelTasksOf(result: ExecutionStepResult): { cancelTasks?: readonly EffectIdentity[] } {
  return result.cancelTasks.length === 0 ? {} : { cancelTasks: result.cancelTasks };
}

/** Gives each child_started event its child's run id, and the child run the journal creates with the step. */
function nameChildren(
  events: readonly HistoryEventBody[],
  newRunId: () => string,
  traceContextOf?: (child: NewChildRun) => TraceContext | undefined,
): { events: readonly HistoryEventBody[]; children: NewChildRun[] } {
  const children: NewChildRun[] = [];
  if (!events.some((event) => event.kind === "child_started")) return { events, children };
  const named = events.map((event) => {
    if (event.kind !== "child_started") return event;
    const runId = event.runId ?? newRunId();
    const child: NewChildRun = {
      runId,
      workflowId: event.workflowId,
      workflowName: event.workflowName,
      versionHash: event.versionHash,
      input: event.input,
      parentIdentity: event.identity,
      parentClosePolicy: event.parentClosePolicy,
      ...(event.idReusePolicy === undefined ? {} : { idReusePolicy: event.idReusePolicy }),
    };
    const traceContext = traceContextOf?.(child);
    children.push(traceContext === undefined ? child : { ...child, traceContext });
    return { ...event, runId };
  });
  return { events: named, children };
}

/**
 * The run row after the step, and the events with the successor's id filled in when the run
 * continues as new (the journal creates the successor in the same transaction).
 */
function terminal(
  result: ExecutionStepResult,
  newRunId: () => string,
): { events: readonly HistoryEventBody[]; run: StepCommit["run"] } {
  if (result.outcome?.kind !== "continue_as_new") return { events: result.events, run: runRow(result) };
  const nextRunId = newRunId();
  const events = result.events.map((event) =>
    event.kind === "run_continued" ? { ...event, nextRunId } : event,
  );
  return { events, run: { status: RunStatus.continued, continuedTo: nextRunId } };
}

function collect(command: Command, tasks: NewTask[], timers: NewTimer[]): void {
  switch (command.kind) {
    case "activity_scheduled":
      tasks.push({
        identity: command.identity,
        activityName: command.activityName,
        args: command.args,
        options: command.options,
      });
      return;
    case "timer_started":
      timers.push(
        command.until === undefined
          ? { identity: command.identity, delayMs: command.delayMs ?? 0 }
          : { identity: command.identity, until: command.until },
      );
      return;
    case "signal_wait_started":
      if (command.timeoutMs !== undefined)
        timers.push({ identity: command.identity, delayMs: command.timeoutMs });
      return;
    case "value_recorded":
    case "child_started":
    case "attributes_set":
    case "complete_run":
    case "fail_run":
    case "cancel_run":
    case "continue_as_new":
      return;
    default:
      assertNever(command);
  }
}

function runRow(result: ExecutionStepResult): StepCommit["run"] {
  const outcome: TerminalCommand | undefined = result.outcome;
  if (outcome === undefined) return { status: RunStatus.running };
  switch (outcome.kind) {
    case "complete_run":
      return { status: RunStatus.completed, result: outcome.result };
    case "fail_run":
      return { status: RunStatus.failed, error: outcome.error };
    case "cancel_run":
      return { status: RunStatus.cancelled };
    case "continue_as_new":
      return { status: RunStatus.continued }; // named in terminal()
    default:
      return assertNever(outcome);
  }
}

/**
 * The run row's version goes with a commit so the journal may write it in one statement; not
 * with the last step of a child run, which must lock its parent first (the journal's long
 * path), so trying the short one would only cost a refused statement.
 */
export function withVersion(
  commit: StepCommit,
  runVersion: string | undefined,
  hasParent: boolean,
): StepCommit {
  if (runVersion === undefined || (hasParent && isTerminal(commit.run.status))) return commit;
  return { ...commit, runVersion };
}
