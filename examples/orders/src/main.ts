/**
 * The orders example's process: opens the journal (embedded PGlite, or PostgreSQL when
 * DATABASE_URL is set), saying what it does while a first start creates and migrates the
 * embedded database, runs the demo (src/run-demo.ts) and exits 0 when every order ended as
 * the fraud team decided.
 *
 *   pnpm orders                                          # from the repository root
 *   CONTINUUM_DATA_DIR=.continuum/orders pnpm orders     # keep the journal: each run places the next batch
 *   pnpm orders -- --trace                               # print the batch's OpenTelemetry trace tree
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 pnpm orders   # export the spans over OTLP
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { OpenJournalProgress } from "@continuum/core";

async function main(): Promise<boolean> {
  const url = process.env.DATABASE_URL || undefined;
  // A fresh embedded database per run keeps the demo repeatable; CONTINUUM_DATA_DIR keeps the
  // journal between runs instead (relative to where `pnpm orders` was typed: pnpm runs the
  // script in this package's folder and says where it was started in INIT_CWD).
  const kept = process.env.CONTINUUM_DATA_DIR || undefined;
  const keep = kept === undefined ? undefined : resolve(process.env.INIT_CWD ?? ".", kept);
  const dataDir =
    url !== undefined ? undefined : (keep ?? (await mkdtemp(join(tmpdir(), "continuum-orders-"))));
  console.log(
    dataDir === undefined
      ? "Connecting to PostgreSQL (DATABASE_URL)…"
      : `Opening the embedded database in ${dataDir} (a first start creates and migrates it, ~5 s)…`,
  );
  // Loaded only after that line, so that it shows at once: the runtime, PGlite and the
  // transformed workflows take most of a second to load.
  const { openJournal } = await import("@continuum/core");
  const { runDemo } = await import("./run-demo.ts");
  // OpenTelemetry only when asked for (--trace, CONTINUUM_TRACE=1, OTEL_EXPORTER_OTLP_ENDPOINT).
  const wanted =
    ["--trace"].some((flag) => process.argv.includes(flag)) ||
    process.env.CONTINUUM_TRACE === "1" ||
    Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const tracing = wanted ? await (await import("./tracing.ts")).setUpTracing() : undefined;

  const journal = await openJournal({
    ...(dataDir === undefined ? { url } : { dataDir }),
    migrate: true,
    onProgress: showProgress,
  });
  try {
    return await runDemo(journal, tracing);
  } finally {
    await tracing?.finish();
    await journal.close();
    if (dataDir !== undefined && keep === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

let created = false;

function showProgress(step: OpenJournalProgress): void {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  switch (step.kind) {
    case "creating":
      created = true;
      console.log("  no database there yet: creating one");
      break;
    case "lock_taken_over":
      console.log(
        `  took over the lock of ${step.previous === undefined ? "a process" : `pid ${step.previous.pid}`}, which is gone (stopped without closing)`,
      );
      break;
    case "leases_released":
      console.log(
        `  resuming at once: ${step.runs} run lease(s) and ${step.attempts} activity attempt(s) of that process released`,
      );
      break;
    case "migrating":
      console.log(`  migrating from schema version ${step.from} to ${step.to}`);
      break;
    case "ready":
      console.log(
        step.applied.length > 0
          ? `  ${created ? "created and " : ""}migrated to version ${step.version} in ${seconds(step.elapsedMs)} s`
          : `  opened at schema version ${step.version} in ${seconds(step.elapsedMs)} s`,
      );
      break;
  }
}

main().then(
  (ok) => {
    if (!ok) console.error("an order ended differently than the fraud team decided");
    process.exit(ok ? 0 : 1);
  },
  (error: unknown) => {
    // Continuum's errors carry their fix in the message; the stack adds nothing for a reader.
    const code = (error as { code?: unknown } | null)?.code;
    console.error(typeof code === "string" && code.startsWith("CTM_") ? String(error) : error);
    process.exit(1);
  },
);
