import { AsyncLocalStorage } from "node:async_hooks";
import { decode, encode } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import {
  MessageNotDeclaredError,
  QueryUnavailableError,
  SignalNotDeclaredError,
  SignalPayloadInvalidError,
} from "../errors/message-errors.ts";
import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import type { Journal } from "../journal/journal.ts";
import { RunStatus } from "../model/run-status.ts";
import { createExecution } from "../replay/create-execution.ts";
import type { EffectScope } from "../workflow/effect-host.ts";
import { isSignalDefinition, type AnySignalDefinition } from "../workflow/define-signal.ts";
import { isQueryDefinition, type QueryDefinition } from "../workflow/define-query.ts";
import type { AnyWorkflowDefinition } from "../worker/definition-info.ts";
import type { LocalRuns } from "../worker/create-engine.ts";

/** A run as the client's message methods take it: its id, or a handle from `start`. */
export type RunRef = string | { readonly runId: string };

/** The run id of a {@link RunRef} (unchecked; the caller checks it). */
export function runIdOf(run: RunRef): string {
  return typeof run === "object" && run !== null ? (run as { runId: string }).runId : run;
}

/** Where a client finds workflow code: its own `workflows`, then its engine's registry. */
export interface WorkflowCode {
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly engine: Partial<LocalRuns> | undefined;
}

/**
 * True when some workflow the client knows declares its signals: only then does a send read the
 * run to check the name (a client that knows none pays nothing).
 */
export function mayRefuseSignals(code: WorkflowCode): boolean {
  return code.workflows.some((d) => d.signals !== undefined) || code.engine?.declaresSignals === true;
}

/**
 * The code of a workflow version: exactly that version hash, or a definition that takes it
 * over (`replaces`). Never just the same name: another version may declare other messages.
 */
export function findWorkflowCode(
  code: WorkflowCode,
  workflowName: string,
  versionHash: string,
): AnyWorkflowDefinition | undefined {
  const fromEngine = code.engine?.workflowDefinition?.(workflowName, versionHash);
  if (fromEngine !== undefined) return fromEngine;
  return (
    code.workflows.find((d) => d.name === workflowName && d.stamp?.versionHash === versionHash) ??
    code.workflows.find((d) => d.name === workflowName && d.replaces?.includes(versionHash) === true)
  );
}

/**
 * Runs a signal definition's validator; a `false` or a throw refuses the payload. Runs before
 * anything is encoded or stored.
 */
export function validateSignalPayload(
  definition: AnySignalDefinition,
  runId: string,
  payload: unknown,
): void {
  if (definition.validate === undefined) return;
  let verdict: boolean | void;
  try {
    verdict = definition.validate(payload);
  } catch (error) {
    throw new SignalPayloadInvalidError(definition.name, runId, error);
  }
  if (verdict === false) throw new SignalPayloadInvalidError(definition.name, runId);
}

/**
 * The declaration checks of a signal sent to a run whose workflow the client knows: the name
 * must be declared (unless `dynamic`), and the declared definition's validator runs, so a send
 * by plain name is checked like a typed one. Unknown code or no declared list: nothing to check.
 */
export async function checkDeclaredSignal(
  journal: Journal,
  code: WorkflowCode,
  runId: string,
  name: string,
  payload: unknown,
  dynamic: boolean,
): Promise<void> {
  const run = await journal.getRun(runId);
  if (run === undefined) throw new RunNotFoundError(runId);
  const definition = findWorkflowCode(code, run.workflowName, run.versionHash);
  if (definition?.signals === undefined) return;
  const declared = definition.signals.find((s) => s.name === name);
  if (declared === undefined) {
    if (dynamic) return;
    throw new SignalNotDeclaredError(
      name,
      runId,
      definition.name,
      definition.signals.map((s) => s.name),
    );
  }
  validateSignalPayload(declared, runId, payload);
}

/**
 * Refuses a query or update the run's workflow does not declare (`queries` / `updates`), when
 * the client knows that code and some known workflow declares such a list: only then is the run
 * read. Unknown code, or a workflow without the list: anything goes.
 */
export async function checkDeclaredMessage(
  journal: Journal,
  code: WorkflowCode,
  runId: string,
  kind: "query" | "update",
  name: string,
): Promise<void> {
  const list = kind === "query" ? "queries" : "updates";
  const engineDeclares = kind === "query" ? code.engine?.declaresQueries : code.engine?.declaresUpdates;
  if (engineDeclares !== true && !code.workflows.some((d) => d[list] !== undefined)) return;
  const run = await journal.getRun(runId);
  if (run === undefined) throw new RunNotFoundError(runId);
  const definition = findWorkflowCode(code, run.workflowName, run.versionHash);
  const declared: readonly { readonly name: string }[] | undefined = definition?.[list];
  if (definition === undefined || declared === undefined || declared.some((d) => d.name === name)) return;
  throw new MessageNotDeclaredError(
    kind,
    name,
    runId,
    definition.name,
    declared.map((d) => d.name),
  );
}

/** Refuses what is not a definition made by `defineSignal` (JavaScript callers, `any`). */
export function checkSignalDefinition(value: unknown): asserts value is AnySignalDefinition {
  if (!isSignalDefinition(value))
    throw new InvalidEffectArgumentError(
      "client.signal",
      "signal",
      "must be a signal name or a definition made by defineSignal()",
      'pass e.g. client.signal(run, approve, payload) with export const approve = defineSignal<T>("approve")',
    );
}

/** Async context for replayed code (cancellation scopes need one); one per process. */
const effectScopes = new AsyncLocalStorage<EffectScope>();

/**
 * Answers a query without writing anything: from the execution an engine of this process keeps
 * in memory, else by replaying the run's history here with the workflow's code. The answer
 * goes through the payload codec both ways, so both paths return the same kind of value (a
 * copy: the caller cannot reach into the run's state).
 */
export async function answerQuery(
  journal: Journal,
  code: WorkflowCode,
  runRef: string,
  query: QueryDefinition<unknown, readonly unknown[]>,
  args: readonly unknown[],
): Promise<unknown> {
  if (!isQueryDefinition(query))
    throw new InvalidEffectArgumentError(
      "client.query",
      "query",
      "must be a definition made by defineQuery()",
      'pass e.g. client.query(run, status) with export const status = defineQuery<string>("status")',
    );
  await checkDeclaredMessage(journal, code, runRef, "query", query.name);
  const copy = (value: unknown): unknown => decode(encode(value, "query result"), "query result");
  // Query arguments cross a boundary as a signal payload does: plain data only.
  const safeArgs = decode(encode(args, "query arguments"), "query arguments") as unknown[];
  const cached = code.engine?.queryCached?.(runRef, query.name, safeArgs);
  if (cached !== undefined) return copy(cached.value);
  // A chain that continued as new answers from its latest run, as signals go to it.
  let run = await journal.getRun(runRef);
  while (run?.status === RunStatus.continued && run.continuedTo !== undefined)
    run = await journal.getRun(run.continuedTo);
  if (run === undefined) throw new RunNotFoundError(runRef);
  if (run.runId !== runRef) {
    const latest = code.engine?.queryCached?.(run.runId, query.name, safeArgs);
    if (latest !== undefined) return copy(latest.value);
  }
  const definition = findWorkflowCode(code, run.workflowName, run.versionHash);
  if (definition === undefined)
    throw new QueryUnavailableError(query.name, run.runId, run.workflowName, run.versionHash);
  const history = await journal.readHistory(run.runId);
  const execution = await createExecution(
    definition,
    { runId: run.runId, workflowId: run.workflowId, history },
    { effectScopes },
  );
  try {
    return copy(execution.query(query.name, safeArgs));
  } finally {
    execution.dispose();
  }
}
