import { randomUUID } from "node:crypto";
import { deserializeError } from "../codec/index.ts";
import { decode } from "../codec/index.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { UpdateFailedError, UpdateInputInvalidError } from "../errors/message-errors.ts";
import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import type { Journal } from "../journal/journal.ts";
import type { Encoded } from "../model/index.ts";
import { RunStatus } from "../model/run-status.ts";
import { updateOutcomeOf, type UpdateOutcome, type UpdateRequest } from "../replay/update-handlers.ts";
import { IdentifierKind, checkOptionalIdentifier } from "../validation/index.ts";
import { isUpdateDefinition, type UpdateDefinition } from "../workflow/define-update.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { checkResultOptions } from "./check-client-input.ts";
import { checkDeclaredMessage, type WorkflowCode } from "./typed-messages.ts";
import { encodePayload } from "./payload-limit.ts";

/** Options of `Client.update`. */
export interface UpdateOptions {
  /**
   * Idempotency key: a repeated update with the same id (per run) is stored once and answers
   * with the first one's outcome, even after the run ended. Generated when absent.
   */
  readonly updateId?: string;
  /** Stop waiting after this many ms (`UpdateFailedError`, reason "timed-out"); the update stays accepted. */
  readonly timeoutMs?: number;
  /**
   * What to wait for: `"completed"` (default) resolves with the handler's result;
   * `"accepted"` resolves with an {@link UpdateHandle} as soon as the run took the request
   * (journaled in its history: its handler runs from then, or as soon as the code registers
   * it), and the result is awaited later.
   */
  readonly waitFor?: "completed" | "accepted";
}

/** An accepted update (`client.update(..., { waitFor: "accepted" })`): its result comes later. */
export interface UpdateHandle<Output> {
  readonly updateId: string;
  /** The run that accepted the request (the latest of its chain when it was sent). */
  readonly runId: string;
  /** Waits for the handler's outcome, as `client.update` does by default. */
  result(options?: { readonly timeoutMs?: number }): Promise<Output>;
}

/** What {@link sendUpdate} needs from the client. */
export interface UpdateSettings {
  readonly maxPayloadBytes: number;
  readonly pollIntervalMs: number;
  /** The workflow code the client knows: declared `updates` are enforced. */
  readonly code?: WorkflowCode;
}

/**
 * Sends an update and waits for its journaled outcome (or, with `waitFor: "accepted"`, for
 * the run to take it). The request travels as a signal named after the update whose delivery
 * id is the update id, so the journal stores a repeated request once; the outcome is the value
 * the run records when the handler settles, read from history.
 *
 * Continue-as-new (as Temporal): a request the run had not taken yet (still in its inbox, or
 * taken by no handler) moves to the successor with the run's other signals, and the answer
 * comes from there; a request whose handler was running when the run continued as new (or
 * ended) fails with `UpdateFailedError` reason "run-ended": its handler may have had effects,
 * so it is not run again.
 */
export async function sendUpdate(
  journal: Journal,
  runId: string,
  update: UpdateDefinition,
  input: unknown,
  options: UpdateOptions,
  settings: UpdateSettings,
): Promise<unknown> {
  if (!isUpdateDefinition(update))
    throw new InvalidEffectArgumentError(
      "client.update",
      "update",
      "must be a definition made by defineUpdate()",
      'pass e.g. client.update(run, addItem, input) with export const addItem = defineUpdate<I, O>("cart.add")',
    );
  const timeoutMs = checkResultOptions(options);
  checkOptionalIdentifier(IdentifierKind.id, options.updateId, "update id");
  if (options.waitFor !== undefined && options.waitFor !== "completed" && options.waitFor !== "accepted")
    throw new InvalidEngineOptionError("waitFor", String(options.waitFor), '"completed" or "accepted"');
  validateInput(update, runId, input);
  if (settings.code !== undefined)
    await checkDeclaredMessage(journal, settings.code, runId, "update", update.name);
  const updateId = options.updateId ?? randomUUID();
  const request: UpdateRequest = {
    updateId,
    input: encodePayload(input, `input of update ${JSON.stringify(update.name)}`, settings.maxPayloadBytes),
  };
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;

  // Along a continue-as-new chain, as signals go; a run that ended may still hold the outcome
  // of an earlier request with this id (an idempotent retry).
  let current = runId;
  for (;;) {
    try {
      await journal.sendSignal({
        runId: current,
        name: update.name,
        payload: request as unknown as Encoded,
        deliveryId: `update/${updateId}`,
      });
      break;
    } catch (error) {
      if (!isContinuumError(error, ErrorCode.RunFinished)) throw error;
      const run = await journal.getRun(current);
      if (run?.status !== RunStatus.continued || run.continuedTo === undefined) break;
      current = run.continuedTo;
    }
  }
  const target: Target = { journal, name: update.name, updateId, pollIntervalMs: settings.pollIntervalMs };
  if (options.waitFor === "accepted") {
    const accepted = await follow(target, current, deadline, "accepted");
    const handle: UpdateHandle<unknown> = {
      updateId,
      runId: accepted,
      result: async (resultOptions = {}) => {
        const ms = checkResultOptions(resultOptions);
        return follow(target, accepted, ms === undefined ? undefined : Date.now() + ms, "completed");
      },
    };
    return handle;
  }
  return follow(target, current, deadline, "completed");
}

interface Target {
  readonly journal: Journal;
  readonly name: string;
  readonly updateId: string;
  readonly pollIntervalMs: number;
}

/**
 * Follows the request along its chain from `runId` until the stage is reached: "accepted"
 * resolves with the id of the run that took it, "completed" with the decoded result.
 */
async function follow(
  target: Target,
  runId: string,
  deadline: number | undefined,
  stage: "accepted",
): Promise<string>;
async function follow(
  target: Target,
  runId: string,
  deadline: number | undefined,
  stage: "completed",
): Promise<unknown>;
async function follow(
  target: Target,
  runId: string,
  deadline: number | undefined,
  stage: "accepted" | "completed",
): Promise<unknown> {
  const { journal, name, updateId } = target;
  let current = runId;
  let seen = 0;
  let taken = false;
  let carried = false;
  for (;;) {
    const scan = await scanHistory(journal, current, updateId, seen);
    seen = scan.seen;
    taken ||= scan.taken;
    carried ||= scan.carried;
    if (scan.found !== undefined) return stage === "accepted" ? current : settle(scan.found, name, current);
    if (stage === "accepted" && taken) return current;
    const run = await journal.getRun(current);
    if (run === undefined) throw new RunNotFoundError(current);
    const ended = run.status !== RunStatus.running && run.status !== RunStatus.stuckUnknownVersion;
    if (ended) {
      // The final commit may have recorded the outcome (or the delivery) after our last read.
      const last = await scanHistory(journal, current, updateId, seen);
      taken ||= last.taken;
      carried ||= last.carried;
      if (last.found !== undefined) return stage === "accepted" ? current : settle(last.found, name, current);
      // Carried to the successor (never taken here, or taken by no handler and handed over).
      if (run.status === RunStatus.continued && run.continuedTo !== undefined && (!taken || carried)) {
        current = run.continuedTo;
        seen = 0;
        taken = false;
        carried = false;
        continue;
      }
      throw new UpdateFailedError(name, updateId, current, "run-ended");
    }
    if (deadline !== undefined && Date.now() >= deadline)
      throw new UpdateFailedError(name, updateId, current, "timed-out");
    const wait = Math.min(target.pollIntervalMs, deadline === undefined ? Infinity : deadline - Date.now());
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
}

function validateInput(update: UpdateDefinition, runId: string, input: unknown): void {
  if (update.validate === undefined) return;
  let verdict: boolean | void;
  try {
    verdict = update.validate(input);
  } catch (error) {
    throw new UpdateInputInvalidError(update.name, runId, error);
  }
  if (verdict === false) throw new UpdateInputInvalidError(update.name, runId);
}

/**
 * Reads `runId`'s history after `afterSeq`: the request's outcome, whether the run took the
 * request (its signal_received), and whether it handed it on to its successor untaken
 * (`run_continued.carriedSignals`).
 */
async function scanHistory(
  journal: Journal,
  runId: string,
  updateId: string,
  afterSeq: number,
): Promise<{ found?: UpdateOutcome; seen: number; taken: boolean; carried: boolean }> {
  const events = await journal.readHistory(runId, afterSeq);
  const deliveryId = `update/${updateId}`;
  let seen = afterSeq;
  let taken = false;
  let carried = false;
  for (const event of events) {
    seen = event.seq;
    if (event.kind === "signal_received" && event.deliveryId === deliveryId) taken = true;
    if (event.kind === "run_continued" && event.carriedSignals?.some((c) => c.deliveryId === deliveryId))
      carried = true;
    const outcome = updateOutcomeOf(event);
    if (outcome?.updateId === updateId) return { found: outcome, seen, taken, carried };
  }
  return { seen, taken, carried };
}

function settle(outcome: UpdateOutcome, name: string, runId: string): unknown {
  if ("error" in outcome)
    throw new UpdateFailedError(
      name,
      outcome.updateId,
      runId,
      "handler-failed",
      deserializeError(outcome.error),
    );
  return decode(outcome.ok, "update result");
}
