import type { EffectIdentity } from "./identity.ts";
import type { Encoded, SerializedError } from "./payload.ts";
import type { CarriedSignal, CommandEvent } from "./history-event.ts";

/**
 * What one step of an execution asks the engine to do. Produced by the replay engine (pure),
 * turned into one atomic journal commit by the worker.
 *
 * Effect commands are exactly the command events they will be journaled as; the terminal
 * commands end the run.
 */
export type Command = CommandEvent | TerminalCommand;

export type TerminalCommand =
  | { readonly kind: "complete_run"; readonly result: Encoded }
  | { readonly kind: "fail_run"; readonly error: SerializedError }
  | { readonly kind: "cancel_run"; readonly reason?: string }
  | {
      readonly kind: "continue_as_new";
      readonly input: Encoded;
      /** Signals delivered to the ending run that its code never took: they go to the successor's inbox. */
      readonly carriedSignals?: readonly CarriedSignal[];
    };

/** Identity carried by an effect command, `undefined` for terminal commands. */
export function commandIdentity(command: Command): EffectIdentity | undefined {
  return "identity" in command ? command.identity : undefined;
}
