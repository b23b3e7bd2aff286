/**
 * What one 3-step run allocates in the engine's process, every object counted (those the young
 * and old generation collections reclaim included), by package or by function. Allocation is
 * what drives young-generation collections, which sit under the latency's p99 (bench/README.md).
 *
 *   node bench/src/allocation.ts [small=100] [large=600] [--by-function]
 *
 * How: the latency case (engine and client with their defaults, one run at a time, on
 * PostgreSQL) runs twice under V8's sampling heap profiler (`HeapProfiler.startSampling`, every
 * 256 bytes), with `small` and then `large` runs; the difference divided by `large - small` is
 * the allocation per run, without the one-off cost of opening the journal and starting the engine.
 */
import { Session } from "node:inspector/promises";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

// Workflow code runs as a user's does: compiled by the transformer's node loader.
runUnderTransformerLoader(import.meta.url);

const { continuumDriver } = await import("./peers/continuum.ts");

interface ProfileNode {
  readonly callFrame: { readonly url: string; readonly functionName: string };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const byFunction = process.argv.includes("--by-function");
const small = Number(args[0] ?? 100);
const large = Number(args[1] ?? 600);

/** Where an allocation site belongs: a dependency, a package's source folder, or Node/V8. */
function placeOf({ url, functionName }: ProfileNode["callFrame"]): string {
  if (byFunction) return `${functionName || "(anonymous)"} ${url.replace(/^.*\//, "")}`;
  const dependency = /node_modules\/\.pnpm\/([^/]+)/.exec(url);
  if (dependency !== null) return `dependency ${dependency[1]!.replace(/@[\d.]+.*$/, "")}`;
  const source = /packages\/([^/]+)\/src\/([^/]+)/.exec(url);
  if (source !== null) return `${source[1]}/${source[2]}`;
  if (url.startsWith("node:")) return "node";
  return url === "" ? "(V8: builtins, strings, arrays)" : "other";
}

function add(node: ProfileNode, into: Map<string, number>): number {
  const place = placeOf(node.callFrame);
  into.set(place, (into.get(place) ?? 0) + node.selfSize);
  let total = node.selfSize;
  for (const child of node.children) total += add(child, into);
  return total;
}

async function measure(runs: number): Promise<{ total: number; byPlace: Map<string, number> }> {
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const latency = continuumDriver().latency;
    if (latency === undefined) throw new Error("the continuum driver has no latency case");
    await latency({ runs });
    const { profile } = await session.post("HeapProfiler.stopSampling");
    const byPlace = new Map<string, number>();
    const total = add(profile.head as unknown as ProfileNode, byPlace);
    return { total, byPlace };
  } finally {
    session.disconnect();
  }
}

const few = await measure(small);
const many = await measure(large);
const extra = large - small;
const kb = (bytes: number): string => (bytes / 1024).toFixed(1).padStart(8);
console.log(`allocated per 3-step run: ${kb((many.total - few.total) / extra).trim()} KB`);
const places = new Set([...few.byPlace.keys(), ...many.byPlace.keys()]);
const rows = [...places]
  .map((place) => [place, ((many.byPlace.get(place) ?? 0) - (few.byPlace.get(place) ?? 0)) / extra] as const)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 15);
for (const [place, bytes] of rows) console.log(`${kb(bytes)} KB  ${place}`);
process.exit(0);
