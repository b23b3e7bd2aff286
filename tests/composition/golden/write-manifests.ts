// Writes manifests/*.json from src/*.workflow.ts with the transformer's own code (identities,
// version hashes, manifest format), one manifest per "build" of the booking saga:
//   node tests/composition/golden/write-manifests.ts
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { buildManifest, computeIdentities, writeManifest } from "../../../transformer/src/index.ts";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const builds: Record<string, string[]> = {
  v1: ["src/booking.v1.workflow.ts"],
  v2: ["src/booking.v2.workflow.ts"],
  "v2-patched": ["src/booking.v2-patched.workflow.ts"],
  // A build that keeps version 1 registered side by side with the patched version 2.
  "v1-and-v2-patched": ["src/booking.v1.workflow.ts", "src/booking.v2-patched.workflow.ts"],
};
for (const [build, files] of Object.entries(builds)) {
  const identities = files.map((file) => {
    const source = ts.createSourceFile(file, readFileSync(here(file), "utf8"), ts.ScriptTarget.Latest, true);
    return computeIdentities(source, `tests/composition/golden/${file}`);
  });
  const written = writeManifest(here(`manifests/${build}.json`), buildManifest(identities));
  console.log(`${build}: ${written ? "written" : "unchanged"}`);
}
