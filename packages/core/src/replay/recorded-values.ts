import { decode, deserializeError, serializeError } from "../codec/index.ts";
import type { CommandEvent, Cursor, Encoded, SerializedError } from "../model/index.ts";
import { deferred, forever } from "./deferred.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";

/**
 * How a sideEffect ended, as recorded in its value_recorded event: `{ ok: <encoded value> }`
 * or `{ error: <serialized error> }`.
 */
export type SideEffectRecord = { readonly ok: Encoded } | { readonly error: SerializedError };

/** A sideEffect whose promise settles at the next deterministic point (after the current turn's microtasks). */
export interface QueuedSideEffect {
  readonly ready: Promise<SideEffectRecord>;
  readonly apply: (record: SideEffectRecord) => void;
}

/** What {@link RecordedValues} needs from the execution it belongs to. */
export interface RecordedValuesHost {
  /** Throws once the execution broke; true once the run ended or was dropped (effects then do nothing). */
  ended(): boolean;
  /** The journal clock: what now() records. */
  now(): number;
  /**
   * Runs a sideEffect function in the run's async scope, when the environment tracks one: its
   * own awaits keep the sideEffect scope, so an effect called after one reaches no run.
   */
  inSideEffectScope<R>(fn: () => R): R;
  /** Present when live sideEffects are refused (ExecutionOptions.sideEffects): breaks the execution. */
  refuseSideEffect?(): void;
}

type RecorderView = Pick<
  EffectRecorder,
  "recorded" | "recording" | "nextIdentity" | "append" | "reserve" | "insideSideEffect"
>;

/**
 * The effects recorded as a value_recorded event: values read once and replayed as recorded
 * (now(), uuid4(), ...: `recordValue`), sideEffect calls, and patch markers. Also the queue of
 * sideEffect calls: a sideEffect's promise does not settle when its function does; the
 * execution settles queued ones later, each in a turn of its own, in call order, so the code
 * resumes at the same point live and on replay however long the function took.
 *
 * The execution exposes these methods bound, not wrapped: they match the history directly, and
 * a wrapper frame would move the user's call site one frame further down the length-limited
 * stack trace that drift reports read it from (call-site.ts).
 */
export class RecordedValues {
  private readonly recorder: RecorderView;
  private readonly host: RecordedValuesHost;
  private queued: QueuedSideEffect[] = [];

  constructor(recorder: RecorderView, host: RecordedValuesHost) {
    this.recorder = recorder;
    this.host = host;
  }

  recordValue(cursor: Cursor, produce: (now: number) => string | number): string | number {
    if (this.host.ended()) return produce(this.host.now());
    const identity = this.recorder.nextIdentity(cursor);
    if (this.recorder.recording) {
      const value = produce(this.host.now());
      this.recorder.append({ kind: "value_recorded", identity, value });
      return value;
    }
    const recorded = this.recorder.recorded.match({ kind: "value_recorded", identity, value: null });
    const value = (recorded as CommandEvent & { kind: "value_recorded" }).value;
    return typeof value === "number" || typeof value === "string" ? value : String(value);
  }

  sideEffect(cursor: Cursor, fn: () => unknown): Promise<unknown> {
    if (this.host.ended()) return forever;
    const identity = this.recorder.nextIdentity(cursor);
    const { promise, resolve, reject } = deferred();
    const apply = (record: SideEffectRecord): void => {
      if ("error" in record) {
        reject(deserializeError(record.error));
        return;
      }
      try {
        resolve(decode(record.ok, "sideEffect"));
      } catch (error) {
        reject(error);
      }
    };
    if (!this.recorder.recording) {
      const recorded = this.recorder.recorded.match({
        kind: "value_recorded",
        identity,
        value: null,
      }) as CommandEvent & { kind: "value_recorded" };
      this.queued.push({ ready: Promise.resolve(recorded.value as unknown as SideEffectRecord), apply });
      return promise;
    }
    if (this.host.refuseSideEffect !== undefined) {
      this.host.refuseSideEffect();
      return forever;
    }
    // The event keeps its place among this turn's commands; its value is filled in when fn settles.
    const fill = this.recorder.reserve({ kind: "value_recorded", identity, value: null });
    this.recorder.insideSideEffect = true;
    let running: Promise<SideEffectRecord>;
    try {
      running = this.host.inSideEffectScope(() => runSideEffect(fn));
    } finally {
      this.recorder.insideSideEffect = false;
    }
    const ready = running.then((record) => {
      fill({ kind: "value_recorded", identity, value: record as unknown as Encoded });
      return record;
    });
    this.queued.push({ ready, apply });
    return promise;
  }

  patched(cursor: Cursor, patchId: string): boolean {
    if (this.host.ended()) return true;
    const identity = this.recorder.nextIdentity(cursor);
    if (this.recorder.recording) {
      this.recorder.append({ kind: "value_recorded", identity, value: patchId });
      return true;
    }
    // A run recorded before the patch has no marker here: it keeps the old path, and no drift.
    // A marker of another patch at this identity (patch ids in constants share the cursor
    // target "expr") is not this patch's: the run never took this patch's path, so it drifts.
    const recorded = this.recorder.recorded;
    const next = recorded.peek();
    if (next?.kind === "value_recorded" && next.identity === identity && next.value !== patchId)
      throw recorded.patchReplaced(next, patchId);
    return recorded.consumeIf(
      (event) => event.kind === "value_recorded" && event.identity === identity && event.value === patchId,
    );
  }

  deprecatePatch(cursor: Cursor, patchId: string): void {
    if (this.host.ended()) return;
    this.recorder.nextIdentity(cursor);
    if (this.recorder.recorded.live) return;
    // Runs recorded while the patch existed carry its marker (its value is the patch id): skip it.
    this.recorder.recorded.consumeIf(
      (event) =>
        event.kind === "value_recorded" && event.identity.startsWith("patched:") && event.value === patchId,
    );
  }

  /** Whether a sideEffect waits to be settled. */
  get pending(): boolean {
    return this.queued.length > 0;
  }

  /** The oldest sideEffect waiting to be settled, taken off the queue. */
  take(): QueuedSideEffect | undefined {
    return this.queued.shift();
  }

  /** Forgets every queued sideEffect (the execution was dropped). */
  clear(): void {
    this.queued = [];
  }
}

/** Runs a sideEffect function and describes how it ended, as it will be recorded. */
async function runSideEffect(fn: () => unknown): Promise<SideEffectRecord> {
  try {
    return { ok: encodeWithinLimit(await fn(), "sideEffect") };
  } catch (error) {
    // Round-trip through JSON to drop undefined fields: the record must be plain JSON.
    return { error: JSON.parse(JSON.stringify(serializeError(error))) as SerializedError };
  }
}
