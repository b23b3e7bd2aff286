import { readFileSync } from "node:fs";
import { register } from "node:module";
import path from "node:path";
import type { LoaderData } from "./loader-hooks.ts";

/**
 * Options for the node loader: `CONTINUUM_TRANSFORMER_OPTIONS` (JSON), else the `continuum`
 * key of the package.json in the current directory.
 */
function loaderOptions(cwd: string): unknown {
  const fromEnv = process.env["CONTINUUM_TRANSFORMER_OPTIONS"];
  if (fromEnv) return JSON.parse(fromEnv) as unknown;
  try {
    const pkg = JSON.parse(readFileSync(path.join(cwd, "package.json"), "utf8")) as Record<string, unknown>;
    return pkg["continuum"];
  } catch {
    return undefined;
  }
}

const cwd = process.cwd();
const data: LoaderData = { options: loaderOptions(cwd), cwd };
// `node --import @continuum/transformer/register app.ts`: registers the load hook for every
// module loaded after this one; Node 24's type stripping still handles non-workflow files.
register("./loader-hooks.js", { parentURL: import.meta.url, data });
