/**
 * Minimal glob matching for `workflowFiles` / `pureModules`: `**` crosses `/`, `*` and `?` do
 * not, `{a,b}` alternates. Written here because `path.matchesGlob` is still experimental.
 */
const cache = new Map<string, RegExp>();

/** Compiles a glob to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let re = "";
  let inGroup = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slashAfter = glob[i + 2] === "/";
        re += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") re += "[^/]";
    else if (c === "{") {
      inGroup++;
      re += "(?:";
    } else if (c === "}" && inGroup > 0) {
      inGroup--;
      re += ")";
    } else if (c === "," && inGroup > 0) re += "|";
    else re += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  const compiled = new RegExp(`^${re}$`);
  cache.set(glob, compiled);
  return compiled;
}

/** True when `relPath` (relative, `/`-separated) matches any of `globs`. */
export function matchesAnyGlob(relPath: string, globs: readonly string[]): boolean {
  const p = relPath.startsWith("./") ? relPath.slice(2) : relPath;
  return globs.some((g) => globToRegExp(g.startsWith("./") ? g.slice(2) : g).test(p));
}
