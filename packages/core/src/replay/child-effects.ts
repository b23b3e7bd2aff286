import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import type { CommandEvent, Cursor, ResolutionEvent, TerminalCommand } from "../model/index.ts";
import type { ChildRef, ChildRequest } from "../workflow/effect-host.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import type { EffectWaits } from "./effect-waits.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";

/**
 * The effects by which a run starts other runs: its children (child, startChild, awaitChild)
 * and the successor it continues as. The execution guards each call (a broken, ended or
 * cancelled run) before it gets here.
 */
export class ChildEffects {
  private readonly runId: string;
  private readonly recorder: Pick<EffectRecorder, "nextIdentity" | "issue">;
  private readonly waits: Pick<EffectWaits, "addChild" | "child" | "awaitChild" | "unclaimedSignals">;

  constructor(
    runId: string,
    recorder: Pick<EffectRecorder, "nextIdentity" | "issue">,
    waits: Pick<EffectWaits, "addChild" | "child" | "awaitChild" | "unclaimedSignals">,
  ) {
    this.runId = runId;
    this.recorder = recorder;
    this.waits = waits;
  }

  /** Issues child_started; the engine creates the child run in the same commit. */
  open(cursor: Cursor, request: ChildRequest): ChildRef {
    const identity = this.recorder.nextIdentity(cursor);
    const issued = this.recorder.issue({
      kind: "child_started",
      identity,
      workflowName: request.workflowName,
      // Derived from the run id and the identity: a replay or a recovery names the same child.
      workflowId: request.workflowId ?? `${this.runId}/${identity}`,
      versionHash: request.versionHash,
      input: encodeWithinLimit(request.input, "child input"),
      parentClosePolicy: request.parentClosePolicy,
    }) as CommandEvent & { kind: "child_started" };
    // On replay the recorded event names the child that exists (its id as it was then).
    const ref: ChildRef = { identity, workflowName: issued.workflowName, workflowId: issued.workflowId };
    this.waits.addChild(identity, ref);
    return ref;
  }

  /** The outcome of a child this run started; `cursor` absent when called as part of child(). */
  awaitStarted(cursor: Cursor | undefined, ref: ChildRef): Promise<unknown> {
    if (cursor !== undefined) this.recorder.nextIdentity(cursor);
    const started = this.waits.child(ref.identity);
    if (started === undefined || started.workflowId !== ref.workflowId) {
      throw new InvalidEffectArgumentError(
        "awaitChild",
        "handle",
        `names a child this run did not start (${ref.identity})`,
        "await only handles that startChild() returned in this same run",
      );
    }
    return this.waits.awaitChild(ref.identity, started);
  }

  /** The terminal command of a run that continues as new with `input`. */
  continueAsNew(cursor: Cursor, input: unknown): TerminalCommand {
    this.recorder.nextIdentity(cursor);
    const encoded = encodeWithinLimit(input, "continueAsNew input");
    return { kind: "continue_as_new", input: encoded };
  }

  /**
   * A run that continues as new hands over the signals it received and never took: those left
   * in its mailbox, then those delivered after its code ended (this step's late deliveries).
   */
  withCarriedSignals(outcome: TerminalCommand, late: readonly ResolutionEvent[]): TerminalCommand {
    if (outcome.kind !== "continue_as_new") return outcome;
    const carried = this.waits.unclaimedSignals();
    for (const event of late) {
      if (event.kind === "signal_received") {
        carried.push({
          name: event.name,
          payload: event.payload,
          ...(event.deliveryId === undefined ? {} : { deliveryId: event.deliveryId }),
        });
      }
    }
    return carried.length === 0 ? outcome : { ...outcome, carriedSignals: carried };
  }
}
