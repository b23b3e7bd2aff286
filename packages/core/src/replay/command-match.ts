import { assertNever } from "../model/index.ts";
import type { CommandEvent } from "../model/index.ts";

/** A short human description of a command event, for drift messages. */
export function describeCommand(command: CommandEvent): string {
  switch (command.kind) {
    case "activity_scheduled":
      return `activity ${command.activityName}`;
    case "timer_started":
      return command.until === undefined
        ? `timer of ${command.delayMs} ms`
        : `timer until ${new Date(command.until).toISOString()}`;
    case "signal_wait_started":
      return `signal wait for ${JSON.stringify(command.name)}${command.timeoutMs === undefined ? "" : " with a timeout"}`;
    case "value_recorded":
      return "recorded value";
    case "child_started":
      return `child workflow ${command.workflowName}`;
    case "attributes_set":
      return `search attributes ${Object.keys(command.attributes).join(", ")}`;
    default:
      return assertNever(command);
  }
}

/**
 * True when the code's command is the recorded one: same kind, same identity, same target
 * (activity name, signal name and whether the wait has a timeout). Arguments, delays and
 * options may change between deploys without breaking runs in flight.
 */
export function commandsMatch(recorded: CommandEvent, issued: CommandEvent): boolean {
  if (recorded.kind !== issued.kind || recorded.identity !== issued.identity) return false;
  switch (recorded.kind) {
    case "activity_scheduled":
      return recorded.activityName === (issued as typeof recorded).activityName;
    case "signal_wait_started": {
      const now = issued as typeof recorded;
      return (
        recorded.name === now.name && (recorded.timeoutMs === undefined) === (now.timeoutMs === undefined)
      );
    }
    case "timer_started":
      return (recorded.until === undefined) === ((issued as typeof recorded).until === undefined);
    case "value_recorded":
      return true;
    case "child_started":
      return recorded.workflowName === (issued as typeof recorded).workflowName;
    case "attributes_set":
      return true;
    default:
      return assertNever(recorded);
  }
}
