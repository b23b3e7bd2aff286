/**
 * The client: start, signal, await, cancel and inspect runs from any process.
 *
 * @example
 * ```ts
 * const client = createClient({ journal });
 * const run = await client.start(orderFlow, input, { id: `order-${input.orderId}` });
 * ```
 */
export { createClient, defaultNamespace } from "./create-client.ts";
export type {
  CancelOptions,
  Client,
  ClientOptions,
  RunHandle,
  SendSignalOptions,
  SignalSendArgs,
  StartOptions,
} from "./create-client.ts";
export type { RunRef } from "./typed-messages.ts";
export type { UpdateHandle, UpdateOptions } from "./send-update.ts";
export { defaultMaxPayloadBytes } from "./payload-limit.ts";
export type { RunDescription } from "./run-description.ts";
