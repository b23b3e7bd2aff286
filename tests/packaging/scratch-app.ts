import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The tsconfig of a team that turns every strictness flag on and checks library declarations
 * too (`skipLibCheck: false`) with only ES2023 and Node's types: whatever a public .d.ts pulls
 * in (DOM, Emscripten, vitest, missing `@types/*`) fails the compile here. The plugins are set
 * up as guides/determinism.md tells a user to.
 */
const tsconfig = {
  compilerOptions: {
    target: "ES2023",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noPropertyAccessFromIndexSignature: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    noEmitOnError: true,
    rootDir: "src",
    outDir: "dist",
    plugins: [
      { transform: "@continuum/transformer/tspc-check", transformProgram: true },
      { transform: "@continuum/transformer/tspc-rewrite" },
      { name: "@continuum/transformer/tsserver" },
    ],
  },
  include: ["src"],
};

const activities = `import { defineActivity } from "@continuum/core";

export const greet = defineActivity("scratch.greet", async (name: string) => \`hello \${name}\`);
`;

const workflowFile = `import { activity, sleep, workflow } from "@continuum/core";
import * as acts from "./activities.ts";

export const greeting = workflow("greeting", { version: 1 }, async (name: string) => {
  const text = await activity(acts.greet, name);
  await sleep(10);
  return { text };
});
`;

// openJournal with the url the guides pass (undefined when unset, which must compile under
// exactOptionalPropertyTypes): DATABASE_URL when set, else embedded PGlite in ./.continuum.
// The run id comes from the command line, so one database can take several runs.
const main = `import { createClient, createEngine, openJournal } from "@continuum/core";
import * as acts from "./activities.ts";
import { greeting } from "./greeting.workflow.ts";

const journal = await openJournal({ url: process.env["DATABASE_URL"] });
const engine = createEngine({ journal, workflows: [greeting], activities: [acts.greet] });
engine.start();
const client = createClient({ journal, engine });
const run = await client.start(greeting, "scratch", { id: process.argv[2] ?? "scratch-1" });
console.log(JSON.stringify({ node: process.version, result: await run.result({ timeoutMs: 60_000 }) }));
await engine.stop({ graceful: true });
await journal.close();
`;

// @continuum/otel with the OpenTelemetry SDK the app installs: one traced run on a memory
// journal, its spans printed as JSON (name, trace id, parent span id, span id).
const otelSmoke = `import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { createClient, createEngine, createMemoryJournal } from "@continuum/core";
import { continuumOtel } from "@continuum/otel";
import * as acts from "./activities.ts";
import { greeting } from "./greeting.workflow.ts";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const otel = continuumOtel({ tracerProvider });
const journal = createMemoryJournal();
const engine = createEngine({ journal, workflows: [greeting], activities: [acts.greet], instrumentation: otel });
engine.start();
const client = createClient({ journal, engine, instrumentation: otel });
const run = await tracerProvider
  .getTracer("scratch")
  .startActiveSpan("request", async (span) => {
    const started = await client.start(greeting, "otel");
    span.end();
    return started;
  });
const result = await run.result({ timeoutMs: 60_000 });
await engine.stop({ graceful: true });
await otel.flush();
const spans = exporter.getFinishedSpans().map((s) => ({
  name: s.name,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parent: s.parentSpanContext?.spanId ?? null,
}));
console.log(JSON.stringify({ result, spans }));
await tracerProvider.shutdown();
await journal.close();
`;

// @continuum/observer mounted on node:http over a memory journal with one finished run: the
// runs page, the run page and the stylesheet (a package asset) fetched over HTTP.
const observerSmoke = `import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, createEngine, createMemoryJournal } from "@continuum/core";
import { createObserver, toNodeHandler } from "@continuum/observer";
import * as acts from "./activities.ts";
import { greeting } from "./greeting.workflow.ts";

const journal = createMemoryJournal();
const engine = createEngine({ journal, workflows: [greeting], activities: [acts.greet] });
engine.start();
const client = createClient({ journal, engine });
const run = await client.start(greeting, "observer", { id: "observed-1" });
await run.result({ timeoutMs: 60_000 });
const server = createServer(toNodeHandler(createObserver({ journal, basePath: "/observer" })));
await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
const base = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}/observer\`;
const runs = await fetch(\`\${base}/\`);
const page = await fetch(\`\${base}/runs/observed-1\`);
const css = await fetch(\`\${base}/assets/observer.css\`);
console.log(JSON.stringify({
  runs: runs.status,
  csp: runs.headers.get("content-security-policy"),
  listsRun: (await runs.text()).includes("observed-1"),
  run: page.status,
  showsResult: (await page.text()).includes("hello observer"),
  css: css.status,
  cssType: css.headers.get("content-type"),
  cssBytes: (await css.text()).length,
}));
server.close();
await engine.stop({ graceful: true });
await journal.close();
`;

/** Where the deliberate `Date.now()` sits: bad/clock.workflow.ts line 4, column 10. */
export const badWorkflowLocation = "bad/clock.workflow.ts(4,10)";

const badWorkflow = `import { workflow } from "@continuum/core";

export const clock = workflow("clock", { version: 1 }, async () => {
  return Date.now();
});
`;

/**
 * Writes an application that uses the installed packages the way a user's app does: a workflow,
 * its activities and a main script, a file importing the types of every public entry point (so
 * all their declarations are checked), and in bad/ a workflow that reads the wall clock.
 */
export function writeScratchApp(dir: string, entryPoints: readonly string[]): void {
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  write("package.json", JSON.stringify({ name: "scratch-app", private: true, type: "module" }, null, 2));
  write("tsconfig.json", JSON.stringify(tsconfig, null, 2));
  write(
    "tsconfig.bad.json",
    // Only the CTM error matters here; the declarations were checked by the main compile.
    JSON.stringify({
      extends: "./tsconfig.json",
      compilerOptions: { rootDir: "bad", noEmit: true, skipLibCheck: true },
      include: ["bad"],
    }),
  );
  write("src/activities.ts", activities);
  write("src/greeting.workflow.ts", workflowFile);
  write("src/main.ts", main);
  write("src/otel-smoke.ts", otelSmoke);
  write("src/observer-smoke.ts", observerSmoke);
  write(
    "src/entry-points.ts",
    [
      ...entryPoints.map((specifier, i) => `import type * as entry${i} from ${JSON.stringify(specifier)};`),
      `export type EntryPoints = [${entryPoints.map((_, i) => `typeof entry${i}`).join(", ")}];`,
      "",
    ].join("\n"),
  );
  write("bad/clock.workflow.ts", badWorkflow);
}
