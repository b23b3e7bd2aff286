/**
 * One engine process of the scale scenario: `node --import @continuum/transformer/register
 * scale-engine.ts '<EngineProcessConfig as JSON>'`, started by the coordinator (run-scale.ts),
 * on this host or inside a network namespace (`ip netns exec`). It opens its own journal (its
 * own pool and LISTEN connection, as a separate host has), builds an engine with the defaults,
 * prints `ready`, starts the engine on `go`, and reports what the coordinator measures as one
 * JSON line per event after {@link scaleMarker} on stdout. Commands come as JSON lines on stdin.
 */
import { createInterface } from "node:readline";
import { createClient, createEngine, openJournal, type AnyWorkflowDefinition } from "@continuum/core";
import { noop } from "../peers/continuum-activities.ts";
import { threeStep } from "../peers/bench-flows.workflow.ts";
import { scaleChild, scaleParent, scaleSleeper, scaleWaiter } from "./scale-flows.workflow.ts";
import type { EngineProcessConfig, EngineReport, EngineCommand } from "./scale-protocol.ts";
import { scaleMarker, scalePool, wallNow } from "./scale-protocol.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as EngineProcessConfig;
const say = (report: EngineReport): void => {
  process.stdout.write(`${scaleMarker}${JSON.stringify(report)}\n`);
};

/**
 * Which workflows this engine serves. With two or more engines, the wake-up workloads are
 * pinned (an engine claims only runs of workflows it registers): the waiting runs (waiter,
 * sleeper, parent) on engine 0, the child on the others, so every wake-up crosses processes.
 */
function servedWorkflows(): AnyWorkflowDefinition[] {
  const waiting = [scaleWaiter, scaleSleeper, scaleParent];
  if (config.engines === 1) return [threeStep, ...waiting, scaleChild];
  return config.index === 0 ? [threeStep, ...waiting] : [threeStep, scaleChild];
}

async function main(): Promise<void> {
  const pool = scalePool(config.url, config.poolSize);
  const journal = await openJournal({ pool });
  const engine = createEngine({
    journal,
    workflows: servedWorkflows(),
    activities: [noop],
    owner: `scale-e${config.index}:${process.pid}`,
    handleSignals: false,
  });
  const client = createClient({ journal });
  engine.events.on("run.completed", (e) =>
    say({ k: "done", run: e.runId, wf: e.workflowName, at: wallNow(), e: config.index }),
  );
  engine.events.on("signal.awaited", (e) =>
    say({ k: "awaited", run: e.runId, at: wallNow(), e: config.index }),
  );
  engine.events.on("child.started", (e) =>
    say({ k: "child", run: e.runId, child: e.childRunId, at: wallNow(), e: config.index }),
  );
  engine.events.on("run.failed", (e) => say({ k: "failed", run: e.runId, error: e.error.message }));
  engine.events.on("engine.error", (e) =>
    say({ k: "error", where: e.where, error: e.error instanceof Error ? e.error.message : String(e.error) }),
  );
  const stop = async (): Promise<void> => {
    await engine.stop();
    await journal.close();
    await pool.end();
    say({ k: "stopped", e: config.index });
    process.exit(0);
  };
  const handle = async (command: EngineCommand): Promise<void> => {
    switch (command.cmd) {
      case "go":
        engine.start();
        say({ k: "started", e: config.index, at: wallNow() });
        return;
      case "signal": {
        const at = wallNow();
        await client.signal(command.run, command.name, command.value);
        say({ k: "sent", run: command.run, at, e: config.index });
        return;
      }
      case "stop":
        await stop();
        return;
    }
  };
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    handle(JSON.parse(line) as EngineCommand).catch((error: unknown) =>
      say({ k: "error", where: "command", error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The coordinator went away: stop rather than linger as an orphan.
  lines.on("close", () => void stop());
  say({ k: "ready", e: config.index });
}

main().catch((error: unknown) => {
  say({
    k: "error",
    where: "start",
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
