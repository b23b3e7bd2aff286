import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Engines "on separate hosts" on one machine: one network namespace per engine, joined to the
 * host by a veth pair on its own private /30 (10.231.<i>.0/30: host side .1, namespace side .2).
 * PostgreSQL listens on 127.0.0.1 only and its configuration is not ours to change, so each
 * namespace reaches it through a TCP forwarder (socat) listening on the host side of its veth:
 * every database round trip takes one more hop (namespace → veth → socat → loopback) than a
 * local engine's, as a real network adds one.
 */
export interface SeparateHost {
  /** Network namespace name, for `ip netns exec`. */
  readonly namespace: string;
  /** Address and port the engine inside reaches PostgreSQL at. */
  readonly dbHost: string;
  readonly dbPort: number;
}

/** Namespaces and forwarders for `count` engines, and how to remove them. */
export interface SeparateHosts {
  readonly hosts: readonly SeparateHost[];
  /** Stops the forwarders and deletes the namespaces (their veth pairs go with them). Idempotent. */
  cleanup(): void;
}

const prefix = "ctmscale";

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Why separate hosts cannot be made here (not root, no `ip`, no socat, a container without
 * CAP_SYS_ADMIN), or undefined when they can: a namespace is added and deleted to find out.
 */
export function separateHostsUnavailable(): string | undefined {
  if (!existsSync("/usr/bin/socat") && !existsSync("/bin/socat"))
    return "socat is not installed (apt-get install socat): it forwards each namespace to PostgreSQL on 127.0.0.1";
  const probe = `${prefix}probe${process.pid}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `\`ip netns add\` is not permitted here (${stderr ?? (error as Error).message})`;
  }
}

/** Deletes namespaces a killed earlier run left behind (ours carry the `ctmscale` prefix). */
function removeLeftovers(): void {
  let names: string[] = [];
  try {
    names = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .map((line) => line.split(" ")[0] ?? "")
      .filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    try {
      ip("netns", "del", name);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Creates `count` namespaces with their veth pairs and forwarders to `target` (PostgreSQL on
 * the host). Cleanup is also registered on exit, SIGINT and SIGTERM (the trap), so an
 * interrupted run leaves no namespace behind.
 */
export function createSeparateHosts(count: number, target: { host: string; port: number }): SeparateHosts {
  removeLeftovers();
  const forwarders: ChildProcess[] = [];
  const namespaces: string[] = [];
  let cleaned = false;
  function onSignal(signal: NodeJS.Signals): void {
    cleanup();
    process.kill(process.pid, signal);
  }
  function cleanup(): void {
    if (cleaned) return;
    cleaned = true;
    process.off("exit", cleanup);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const forwarder of forwarders) forwarder.kill("SIGTERM");
    for (const namespace of namespaces) {
      try {
        ip("netns", "del", namespace);
      } catch {
        // Already gone.
      }
    }
  }
  process.once("exit", cleanup);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const hosts: SeparateHost[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const namespace = `${prefix}${i}`;
      const outside = `cts${i}h`;
      const inside = `cts${i}n`;
      const hostAddress = `10.231.${i}.1`;
      ip("netns", "add", namespace);
      namespaces.push(namespace);
      ip("link", "add", outside, "type", "veth", "peer", "name", inside);
      ip("link", "set", inside, "netns", namespace);
      ip("addr", "add", `${hostAddress}/30`, "dev", outside);
      ip("link", "set", outside, "up");
      ip("netns", "exec", namespace, "ip", "addr", "add", `10.231.${i}.2/30`, "dev", inside);
      ip("netns", "exec", namespace, "ip", "link", "set", inside, "up");
      ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up");
      const forwarder = spawn(
        "socat",
        [
          `TCP-LISTEN:${target.port},bind=${hostAddress},fork,reuseaddr,nodelay`,
          `TCP:${target.host}:${target.port},nodelay`,
        ],
        { stdio: "ignore" },
      );
      forwarders.push(forwarder);
      hosts.push({ namespace, dbHost: hostAddress, dbPort: target.port });
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return { hosts, cleanup };
}
