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
import { checkResultOptions } from "./check-client-input.ts";
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
}

/** What {@link sendUpdate} needs from the client. */
export interface UpdateSettings {
  readonly maxPayloadBytes: number;
  readonly pollIntervalMs: number;
}

/**
 * Sends an update and waits for its journaled outcome. The request travels as a signal named
 * after the update whose delivery id is the update id, so the journal stores a repeated request
 * once; the outcome is the value the run records when the handler settles, read from history.
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
  validateInput(update, runId, input);
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

  let seen = 0;
  for (;;) {
    const outcome = await findOutcome(journal, current, updateId, seen);
    if (outcome.found !== undefined) return settle(outcome.found, update.name, current);
    seen = outcome.seen;
    const run = await journal.getRun(current);
    if (run === undefined) throw new RunNotFoundError(current);
    if (run.status === RunStatus.continued && run.continuedTo !== undefined) {
      current = run.continuedTo;
      seen = 0;
      continue;
    }
    if (run.status !== RunStatus.running && run.status !== RunStatus.stuckUnknownVersion) {
      // The final commit may have recorded the outcome after our last read.
      const last = await findOutcome(journal, current, updateId, seen);
      if (last.found !== undefined) return settle(last.found, update.name, current);
      throw new UpdateFailedError(update.name, updateId, current, "run-ended");
    }
    if (deadline !== undefined && Date.now() >= deadline)
      throw new UpdateFailedError(update.name, updateId, current, "timed-out");
    const wait = Math.min(settings.pollIntervalMs, deadline === undefined ? Infinity : deadline - Date.now());
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

async function findOutcome(
  journal: Journal,
  runId: string,
  updateId: string,
  afterSeq: number,
): Promise<{ found?: UpdateOutcome; seen: number }> {
  const events = await journal.readHistory(runId, afterSeq);
  let seen = afterSeq;
  for (const event of events) {
    seen = event.seq;
    const outcome = updateOutcomeOf(event);
    if (outcome?.updateId === updateId) return { found: outcome, seen };
  }
  return { seen };
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
