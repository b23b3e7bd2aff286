/**
 * Attribute keys of the spans and metrics `@continuum/otel` records. Continuum's own concepts
 * live under `continuum.` (OpenTelemetry's rule for names no semantic convention defines);
 * errors use the general conventions: `error.type` on spans and metrics, span status ERROR,
 * and exceptions recorded as span events (`exception.type`, `exception.message`).
 */
export const ContinuumAttributes = {
  namespace: "continuum.namespace",
  workflowName: "continuum.workflow.name",
  workflowId: "continuum.workflow.id",
  runId: "continuum.run.id",
  /** completed, failed, cancelled or continued (continue-as-new). */
  runStatus: "continuum.run.status",
  /** Whether `client.start` created the run or found an existing one with the same id. */
  runCreated: "continuum.run.created",
  /** The run that follows a continued run. */
  nextRunId: "continuum.run.next_id",
  parentRunId: "continuum.run.parent_id",
  /** The effect call's identity in the run (`cursor@occurrence`). */
  effectIdentity: "continuum.effect.identity",
  activityName: "continuum.activity.name",
  /** 1-based attempt number (attempt spans). */
  activityAttempt: "continuum.activity.attempt",
  /** Attempts the call took (call spans). */
  activityAttempts: "continuum.activity.attempts",
  /** What became of an attempt: completed, retried, failed, timed_out. */
  activityOutcome: "continuum.activity.outcome",
  taskId: "continuum.task.id",
  /** The call undoes an earlier one (a saga compensation). */
  compensation: "continuum.compensation",
  timerDelayMs: "continuum.timer.delay_ms",
  signalName: "continuum.signal.name",
  /** A signal wait ended by its timeout. */
  signalTimedOut: "continuum.signal.timed_out",
  childWorkflowName: "continuum.child.workflow.name",
  childWorkflowId: "continuum.child.workflow.id",
  childRunId: "continuum.child.run.id",
  /** The wait was still open when the run ended (fire-and-forget, cancelled scope). */
  unfinished: "continuum.wait.unfinished",
  /** Whether a step ran on the engine's cached (sticky) execution or had to replay. */
  stepCached: "continuum.step.cached",
  stepEventCount: "continuum.step.event_count",
  stepDeliveredCount: "continuum.step.delivered_count",
  engineOwner: "continuum.engine.owner",
  /** Where a lease loss was noticed: commit or renew. */
  leaseLostDuring: "continuum.lease.lost_during",
  /** The semantic-convention key for an error's class (here: its Continuum code, else its name). */
  errorType: "error.type",
} as const;

/** Span names: `<operation> <target>`, low-cardinality (never a run id). */
export const SpanNames = {
  start: (workflowName: string) => `start_workflow ${workflowName}`,
  startChild: (workflowName: string) => `start_child_workflow ${workflowName}`,
  run: (workflowName: string) => `run ${workflowName}`,
  step: (workflowName: string) => `step ${workflowName}`,
  activityAttempt: (activityName: string) => `activity ${activityName}`,
  activityCall: (activityName: string) => `call ${activityName}`,
  compensation: (activityName: string) => `compensate ${activityName}`,
  timer: "sleep",
  signal: (name: string) => `wait_signal ${name}`,
  child: (workflowName: string) => `child_workflow ${workflowName}`,
} as const;
