// A cancel request, as the Journal port takes it and as both adapters put it in a run's inbox.

/** Options of `Journal.requestCancel`. */
export interface CancelRequestOptions {
  /**
   * Terminate: the run's next step ends it as cancelled without running any more of its code.
   * When no engine holds a live lease on the run (none can step it: its workflow is registered
   * nowhere, its code drifted, it is stuck on an unknown version, or its holder died),
   * `requestCancel` ends it at once instead, in the same transaction, bumping its fencing
   * token; its children follow their parent-close policy and its parent is told.
   */
  readonly force?: boolean;
}

/** The `cancel_requested` event a cancel request puts in a run's inbox. */
export function cancelRequestedEvent(
  reason: string | undefined,
  options: CancelRequestOptions = {},
): { kind: "cancel_requested"; reason?: string; force?: true } {
  return {
    kind: "cancel_requested",
    ...(reason === undefined ? {} : { reason }),
    ...(options.force === true ? { force: true as const } : {}),
  };
}
