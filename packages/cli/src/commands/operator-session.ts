import { hostname, userInfo } from "node:os";
import { createOperator, type Journal, type Operator } from "@continuum/core";
import type { Command } from "commander";
import type { CliIo } from "../cli-io.ts";

/** Options of every command that acts on runs: who acts. */
export interface ActorOptions {
  readonly actor?: string;
}

/** Adds `--actor` to a command that acts (recorded in the audit log). */
export function actorOption(command: Command): Command {
  return command.option(
    "--actor <name>",
    "who acts, recorded in the audit log (default: CONTINUUM_ACTOR, else the OS user)",
  );
}

/**
 * The operator for one CLI action: the actor from `--actor`, else CONTINUUM_ACTOR, else the OS
 * user (os.userInfo, falling back to USER/LOGNAME); the origin is this host and `via: "cli"`.
 */
export function cliOperator(journal: Journal, options: ActorOptions, io: CliIo): Operator {
  return createOperator({
    journal,
    actor: actorOf(options, io),
    origin: { host: safeHostname(), via: "cli" },
  });
}

function actorOf(options: ActorOptions, io: CliIo): string {
  if (options.actor !== undefined && options.actor.trim() !== "") return options.actor;
  const fromEnv = io.env.CONTINUUM_ACTOR;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return fromEnv;
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment's user name, if any.
    return io.env.USER ?? io.env.LOGNAME ?? "unknown";
  }
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return "unknown";
  }
}
