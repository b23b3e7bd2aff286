// Times the Observer's runs page over 10,000 runs: the handler end to end (read model queries,
// counts, HTML rendering), first page, filtered pages, a deep keyset page and an id search.
// Not a timed test: run it by hand.
//
//   node bench/src/observer-runs-page.ts                 # embedded PGlite in memory
//   node bench/src/observer-runs-page.ts --memory        # the in-memory journal
//   node bench/src/observer-runs-page.ts --url postgres://...   # a database you own (it adds 10,000 runs)
import { createInspector, createMemoryJournal, encode, openJournal, type Journal } from "@continuum/core";
import { createObserver } from "@continuum/observer";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? "") || 10_000;
const url = args.includes("--url") ? args[args.indexOf("--url") + 1] : undefined;
const journal: Journal = args.includes("--memory")
  ? createMemoryJournal()
  : await openJournal(url === undefined ? { dataDir: "memory://" } : { url, migrate: true });
const namespace = `bench-observer-${Date.now()}`;

console.log(`seeding ${runs} runs in namespace ${namespace}...`);
const seedStart = performance.now();
for (let i = 0; i < runs; i++) {
  await journal.startRun({
    namespace,
    workflowId: `order-${String(i).padStart(6, "0")}`,
    workflowName: i % 10 === 0 ? "refund" : "order",
    versionHash: i % 3 === 0 ? "v2" : "v1",
    input: encode({ orderId: i, total: i % 97 }),
    attributes: { tier: encode(i % 5 === 0 ? "gold" : "basic") },
  });
}
console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

const observer = createObserver({ journal });
const get = async (path: string) => {
  const started = performance.now();
  const response = await observer(new Request(`http://bench.local${path}`));
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
  return { ms: performance.now() - started, body };
};

// A cursor 100 pages deep, followed the way the page's "Older" link does.
let deep = `/?namespace=${namespace}`;
for (let page = 0; page < 100; page++) {
  const { body } = await get(deep);
  const next = /rel="next" href="([^"]+)"/.exec(body)?.[1]?.replaceAll("&amp;", "&");
  if (next === undefined) break;
  deep = next;
}

const cases: Record<string, string> = {
  "first page": `/?namespace=${namespace}`,
  "status filter": `/?namespace=${namespace}&status=running`,
  "workflow + version": `/?namespace=${namespace}&workflow=refund&version=v2`,
  "attribute filter": `/?namespace=${namespace}&attr=tier%3Dgold`,
  "id prefix search": `/?namespace=${namespace}&search=order-0042`,
  "page 100 (keyset)": deep,
};
const samples = 30;
console.log(`\nruns page over ${runs} runs, ${samples} requests each (ms):`);
console.log("case                   p50      p95      max");
for (const [name, path] of Object.entries(cases)) {
  await get(path); // warm-up
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push((await get(path)).ms);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(`${name.padEnd(22)} ${at(0.5).padStart(6)}   ${at(0.95).padStart(6)}   ${at(1).padStart(6)}`);
}

// Where the first page's time goes: each read model call the page makes, alone.
const inspector = createInspector(journal);
const parts: Record<string, () => Promise<unknown>> = {
  "inspector.runs": () => inspector.runs({ namespace, limit: 50 }),
  "inspector.counts": () => inspector.counts({ namespace }),
};
console.log(`\nfirst page, one read model call at a time (ms):`);
console.log("call                   p50      p95      max");
for (const [name, call] of Object.entries(parts)) {
  await call();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(`${name.padEnd(22)} ${at(0.5).padStart(6)}   ${at(0.95).padStart(6)}   ${at(1).padStart(6)}`);
}
await journal.close();
