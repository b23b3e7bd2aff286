import type { Journal } from "../journal/journal.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import type { SignalDefinition } from "../workflow/define-signal.ts";
import { alongChain } from "./along-chain.ts";
import { checkSignalArguments } from "./check-client-input.ts";
import type { SendSignalOptions } from "./client.ts";
import { joinedJournal } from "./joined-journal.ts";
import { encodePayload } from "./payload-limit.ts";
import {
  checkDeclaredSignal,
  checkSignalDefinition,
  mayRefuseSignals,
  validateSignalPayload,
  type WorkflowCode,
} from "./typed-messages.ts";

/**
 * `Client.signal` after the run id was checked: checks the name, options and payload (a typed
 * definition's `validate`, and the run's declared `signals` when its code is known), encodes the
 * payload and stores it for the run, or for the latest run of its chain.
 */
export async function sendSignal(
  journal: Journal,
  code: WorkflowCode,
  runId: string,
  nameOrDefinition: string | SignalDefinition<unknown>,
  payload: unknown,
  signalOptions: SendSignalOptions,
  maxPayloadBytes: number,
): Promise<{ accepted: boolean }> {
  let name: string;
  if (typeof nameOrDefinition === "string") name = nameOrDefinition;
  else {
    checkSignalDefinition(nameOrDefinition);
    name = nameOrDefinition.name;
  }
  checkSignalArguments(name, signalOptions);
  if (signalOptions.dynamic !== undefined && typeof signalOptions.dynamic !== "boolean")
    throw new InvalidEngineOptionError("dynamic", String(signalOptions.dynamic), "true or false");
  if (typeof nameOrDefinition !== "string") validateSignalPayload(nameOrDefinition, runId, payload);
  if (mayRefuseSignals(code))
    await checkDeclaredSignal(journal, code, runId, name, payload, signalOptions.dynamic === true);
  const encoded = encodePayload(
    payload,
    `payload of signal ${JSON.stringify(name)}`,
    maxPayloadBytes,
    "payload",
  );
  const target = joinedJournal(journal, signalOptions.transaction);
  return alongChain(target, runId, (current) =>
    target.sendSignal({
      runId: current,
      name,
      payload: encoded,
      ...(signalOptions.deliveryId === undefined ? {} : { deliveryId: signalOptions.deliveryId }),
    }),
  );
}
