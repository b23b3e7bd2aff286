import { decode, encode, serializeError } from "../codec/index.ts";
import type { Cursor, Encoded, HistoryEvent, ResolutionEvent, SerializedError } from "../model/index.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import type { EffectWaits } from "./effect-waits.ts";

/**
 * The call site under which update outcomes are recorded. A `sideEffect` cursor with a target,
 * which the transformer never writes (its sideEffect cursors have none, transformer/SPEC.md
 * section 2), so no user effect shares these identities.
 */
export const updateOutcomeCursor: Cursor = "sideEffect:update#0";

/** An update request as it travels in the run's inbox (a signal named after the update). */
export interface UpdateRequest {
  readonly updateId: string;
  readonly input: Encoded;
}

/** What a finished update handler recorded: its result, or the error it threw. */
export type UpdateOutcome =
  | { readonly updateId: string; readonly name: string; readonly ok: Encoded }
  | { readonly updateId: string; readonly name: string; readonly error: SerializedError };

/** The update outcome an event records, if it is one (`value_recorded` at {@link updateOutcomeCursor}). */
export function updateOutcomeOf(event: HistoryEvent): UpdateOutcome | undefined {
  if (event.kind !== "value_recorded" || !event.identity.startsWith(`${updateOutcomeCursor}@`))
    return undefined;
  const value = event.value as { update?: unknown } | null;
  const outcome = value?.update as UpdateOutcome | undefined;
  return typeof outcome?.updateId === "string" ? outcome : undefined;
}

interface UpdateHandlersHost {
  readonly recorder: EffectRecorder;
  readonly waits: EffectWaits;
  /** True once the run ended (throws when the execution broke). */
  readonly ended: () => boolean;
  /** Runs the handler as the run's own code (its async scope, the root cancellation scope). */
  readonly inRunScope: <R>(fn: () => R) => R;
  /** True while the run's turn is open: an outcome recorded outside it could not be replayed. */
  readonly inTurn: () => boolean;
}

/**
 * Update handlers of a run (`setHandler(updateDef, fn)`). A request is a signal named after the
 * update; on delivery (or, for requests that came before the handler, when it is registered)
 * the handler runs as workflow code, and its outcome is journaled as a recorded value when it
 * settles, inside the turn that settles it. Replay redelivers the same requests at the same
 * points and matches the recorded outcomes, so handlers replay like the rest of the code.
 */
export class UpdateHandlers {
  /** Created at the first registration (most runs register none; see QueryHandlers). */
  private handlers: Map<string, (input: unknown) => unknown> | undefined;
  private readonly host: UpdateHandlersHost;

  constructor(host: UpdateHandlersHost) {
    this.host = host;
  }

  set(name: string, handler: (input: unknown) => unknown): void {
    (this.handlers ??= new Map()).set(name, handler);
    for (let waiting = this.host.waits.takeSignal(name); waiting !== undefined;) {
      this.start(name, waiting.payload);
      waiting = this.host.waits.takeSignal(name);
    }
  }

  /** Handles `event` when it is a request for a registered update; false leaves it to the signal waits. */
  deliver(event: ResolutionEvent): boolean {
    if (event.kind !== "signal_received" || this.handlers?.has(event.name) !== true) return false;
    this.start(event.name, event.payload);
    return true;
  }

  private start(name: string, payload: Encoded): void {
    const handler = this.handlers?.get(name);
    const request = payload as Partial<UpdateRequest> | null;
    // Not a request client.update made (a plain signal with this name): nobody waits for an answer.
    if (handler === undefined || typeof request?.updateId !== "string") return;
    const updateId = request.updateId;
    let running: Promise<unknown>;
    try {
      const input = decode(request.input ?? null, "update input");
      running = Promise.resolve(this.host.inRunScope(() => handler(input)));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        let ok: Encoded;
        try {
          ok = encode(value, "update result");
        } catch (error) {
          this.record({ updateId, name, error: serializeError(error) });
          return;
        }
        this.record({ updateId, name, ok });
      },
      (error: unknown) => this.record({ updateId, name, error: serializeError(error) }),
    );
  }

  private record(outcome: UpdateOutcome): void {
    try {
      // A broken execution writes nothing more (its step reports why).
      if (this.host.ended() || !this.host.inTurn()) return;
    } catch {
      return;
    }
    const { recorder } = this.host;
    const identity = recorder.nextIdentity(updateOutcomeCursor);
    const value = { update: outcome as unknown as Encoded };
    if (recorder.recording) recorder.append({ kind: "value_recorded", identity, value });
    else recorder.recorded.match({ kind: "value_recorded", identity, value: null });
  }
}
