import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../cli-io.ts";
import { databaseUrlHelp } from "../database-url.ts";
import { databaseOptions, type CommandResult } from "./command-support.ts";
import { withJournal, type JournalCommandOptions } from "./journal-session.ts";

interface ObserverOptions extends JournalCommandOptions {
  readonly port: string;
  readonly host: string;
  readonly basePath?: string;
  readonly manifest?: string;
  readonly actions?: boolean;
}

/** The part of @continuum/observer this command uses (the package is optional: loaded when installed). */
interface ObserverModule {
  createObserver(options: Record<string, unknown>): (request: Request) => Promise<Response>;
  toNodeHandler(
    handler: (request: Request) => Promise<Response>,
  ): (req: IncomingMessage, res: ServerResponse) => void;
}

/** Tells a running `continuum observer` to stop (tests; the process stops it on SIGINT/SIGTERM). */
export interface ObserverStop {
  readonly signal?: AbortSignal;
}

const loopback = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * `continuum observer --port 4000`: serves the Observer (web UI) over the journal until
 * interrupted. Needs `@continuum/observer` installed next to the CLI.
 *
 * @example
 * ```sh
 * DATABASE_URL=postgres://... continuum observer --port 4000
 * ```
 */
export function observerCommand(
  program: Command,
  io: CliIo,
  result: CommandResult,
  stop: ObserverStop = {},
): void {
  databaseOptions(
    program.command("observer").description("serve the Observer, a web UI over the journal's runs"),
  )
    .option("--port <n>", "port to listen on (0: any free port)", "4000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--base-path <path>", "serve under this path, e.g. /observer")
    .option(
      "--manifest <file>",
      "the transformer's continuum-manifest.json: timeline events link to their source line",
    )
    .option(
      "--actions",
      "enable cancel and send-signal for anyone who can reach the page (loopback hosts only)",
    )
    .addHelpText("after", databaseUrlHelp)
    .action(async (options: ObserverOptions) => {
      result.code = await serve(options, io, stop);
    });
}

async function loadObserver(): Promise<ObserverModule | undefined> {
  try {
    // A variable specifier: the CLI builds and runs without the package installed.
    const name = "@continuum/observer";
    return (await import(name)) as ObserverModule;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

async function serve(options: ObserverOptions, io: CliIo, stop: ObserverStop): Promise<ExitCode> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`error: --port must be a port number (0-65535), got ${JSON.stringify(options.port)}\n`);
    return ExitCode.usage;
  }
  if (options.actions === true && !loopback.has(options.host)) {
    io.stderr(
      "error: --actions lets anyone who reaches the page cancel runs; it is allowed only with a loopback --host. Mount createObserver({ authorize }) in your app to authorize people.\n",
    );
    return ExitCode.usage;
  }
  const observer = await loadObserver();
  if (observer === undefined) {
    io.stderr(
      "error: the Observer is a separate package: install it next to the CLI\n  fix: npm install @continuum/observer   (or pnpm add @continuum/observer)\n",
    );
    return ExitCode.failed;
  }
  let manifest: unknown;
  try {
    manifest = options.manifest === undefined ? undefined : await readManifest(options.manifest, io);
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n`);
    return ExitCode.usage;
  }
  return withJournal(io, options, async ({ journal, out }) => {
    const handler = observer.createObserver({
      journal,
      ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
      ...(manifest === undefined ? {} : { manifest }),
      ...(options.actions === true ? { authorize: () => true } : {}),
    });
    const server = createServer(observer.toNodeHandler(handler));
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(port, options.host, () => done());
    });
    const address = server.address();
    const bound = typeof address === "object" && address !== null ? address.port : port;
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    out.stdout(
      `Observer at http://${host}:${bound}${options.basePath ?? "/"} (${options.actions === true ? "actions enabled" : "read-only"}); Ctrl-C stops it\n`,
    );
    await new Promise<void>((done) => {
      const finish = () => {
        process.off("SIGINT", finish);
        process.off("SIGTERM", finish);
        done();
      };
      process.once("SIGINT", finish);
      process.once("SIGTERM", finish);
      stop.signal?.addEventListener("abort", finish, { once: true });
    });
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    return ExitCode.ok;
  });
}

async function readManifest(file: string, io: CliIo): Promise<unknown> {
  const path = resolve(io.cwd ?? process.cwd(), file);
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch (error) {
    throw new UsageError(
      `cannot read the manifest ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
