import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { importBindingOf, lookupName } from "./scope.ts";
import type { ResolvedOptions } from "../options.ts";
import { createModuleResolver, loadCompilerOptions, type ModuleResolver } from "./module-resolution.ts";

/** Module specifiers of the workflow API (SPEC section 3). */
export const API_MODULE_NAMES: ReadonlySet<string> = new Set(["@continuum/core", "@continuum/core/workflow"]);

/** Canonical name meaning "the whole API as a namespace" (`export * as wf from "@continuum/core"`). */
export const WHOLE_API = "*";

const MAX_HOPS = 8;

/**
 * What a module exports of the workflow API: `all` when it re-exports every API export under
 * its own name (`export * from "@continuum/core"`), `names` for renamed or selected re-exports
 * (exported name to canonical API name). `onlyApi` when the module exports nothing else (a
 * pure facade, which workflow code may import like the API itself).
 */
interface ApiExportMap {
  readonly all: boolean;
  readonly names: ReadonlyMap<string, string>;
  readonly onlyApi: boolean;
}

const THE_API: ApiExportMap = { all: true, names: new Map(), onlyApi: true };

/**
 * Knows which modules are the workflow API: the two API module names, any specifier that
 * resolves to the same file (a tsconfig `paths` alias of the API), and facades that re-export
 * it (`export * from "@continuum/core"`, `export { activity as act } from "@continuum/core/workflow"`,
 * `import { sleep } from "@continuum/core"; export { sleep }`), through any chain of re-exports.
 * Syntax and module resolution only, so every entry point (tspc, vite, node, editor) agrees.
 */
export interface ApiModules {
  readonly resolver: ModuleResolver;
  /**
   * The canonical API export that `imported` names when imported from `specifier` in
   * `fromFile` (`"activity"` for `act` from a facade that renames it), {@link WHOLE_API} for a
   * namespace of the whole API, or `undefined` when it is not part of the API.
   */
  exportOf(specifier: string, imported: string, fromFile: string): string | undefined;
  /** True when the module re-exports any part of the API (or is the API). */
  exportsApi(specifier: string, fromFile: string): boolean;
  /** True when the module is the API, an alias of it, or a facade that exports nothing else. */
  isApi(specifier: string, fromFile: string): boolean;
  /**
   * The name a namespace import of the module stands for in a cursor target: the resolved
   * file's base name without extension (`index` files take their folder's name), or the last
   * segment of the specifier when it resolves to no source file. Never the local alias.
   */
  moduleName(specifier: string, fromFile: string): string;
  /**
   * With a type checker only (tspc, editor): the canonical API export a name finally denotes,
   * following aliases through anything the checker sees (an ambient `declare module` facade, an
   * `export import`, a `const act = activity` in a facade). Consulted where syntax answers no.
   */
  readonly exportOfNode?: (node: ts.Node) => string | undefined;
  /** With a type checker only: the canonical API exports a namespace import's module exports. */
  readonly namespaceExports?: (node: ts.NamespaceImport) => readonly string[];
}

function lookupIn(map: ApiExportMap | undefined, name: string): string | undefined {
  if (!map) return undefined;
  if (name === WHOLE_API) return map.all ? WHOLE_API : undefined;
  return map.names.get(name) ?? (map.all && name !== "default" ? name : undefined);
}

function stripExtension(name: string): string {
  return name.replace(/\.d\.[cm]?ts$/, "").replace(/\.(?:[cm]?[jt]s|[jt]sx)$/, "");
}

/** `travel` for `.../activities/travel.ts`, `activities` for `.../activities/index.ts`. */
function nameFromPath(p: string): string {
  const parts = p.split(/[\\/]/).filter((s) => s !== "" && s !== ".");
  let last = stripExtension(parts.pop() ?? "");
  if (last === "index" && parts.length > 0) last = stripExtension(parts.pop() as string);
  return last;
}

/**
 * Creates the API knowledge for one project; facade files are parsed once per content
 * (cached by path and modification time).
 *
 * @example
 * ```ts
 * const api = createApiModules(createModuleResolver(loadCompilerOptions(root)));
 * api.exportOf("./continuum.ts", "act", "/app/src/order.workflow.ts"); // "activity"
 * ```
 */
export function createApiModules(resolver: ModuleResolver): ApiModules {
  const files = new Map<string, { stamp: number; map: ApiExportMap | undefined }>();
  const apiFiles = new Map<string, ReadonlySet<string>>();

  /** The files the API module names resolve to from `fromFile`'s folder (a paths alias may point at one). */
  const apiFilesFrom = (fromFile: string): ReadonlySet<string> => {
    const dir = path.dirname(fromFile);
    let found = apiFiles.get(dir);
    if (!found) {
      const set = new Set<string>();
      for (const name of API_MODULE_NAMES) {
        const r = resolver.resolve(name, fromFile);
        if (r) set.add(r.fileName);
      }
      apiFiles.set(dir, (found = set));
    }
    return found;
  };

  const mapOfSpecifier = (specifier: string, fromFile: string, hops: number): ApiExportMap | undefined => {
    if (API_MODULE_NAMES.has(specifier)) return THE_API;
    if (hops > MAX_HOPS) return undefined;
    const resolved = resolver.resolve(specifier, fromFile);
    if (!resolved) return undefined;
    if (apiFilesFrom(fromFile).has(resolved.fileName)) return THE_API;
    return mapOfFile(resolved.fileName, hops + 1);
  };

  const mapOfFile = (fileName: string, hops: number): ApiExportMap | undefined => {
    let stamp: number;
    try {
      stamp = statSync(fileName).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = files.get(fileName);
    if (cached && cached.stamp === stamp) return cached.map;
    files.set(fileName, { stamp, map: undefined }); // a cycle of re-exports ends here
    const text = readFileSync(fileName, "utf8");
    // Skip the parse where no re-export of the API can be: a file without `export`, and an
    // installed package's file that never names @continuum/ (else every import of every file
    // would walk whole packages' declaration trees; the checker still sees those in tspc)
    const candidate =
      /\bexport\b/.test(text) && (!fileName.includes("/node_modules/") || text.includes("@continuum/"));
    const map = candidate ? computeMap(fileName, text, hops) : undefined;
    files.set(fileName, { stamp, map });
    return map;
  };

  const computeMap = (fileName: string, text: string, hops: number): ApiExportMap | undefined => {
    const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
    let all = false;
    let onlyApi = true;
    const names = new Map<string, string>();
    const add = (name: string, canonical: string | undefined): void => {
      if (canonical === undefined) onlyApi = false;
      else if (!names.has(name)) names.set(name, canonical);
    };
    for (const statement of sf.statements) {
      if (ts.isImportDeclaration(statement)) continue;
      if (!ts.isExportDeclaration(statement)) {
        const isTypeOnly =
          ts.isInterfaceDeclaration(statement) ||
          ts.isTypeAliasDeclaration(statement) ||
          (ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression));
        if (!isTypeOnly) onlyApi = false;
        continue;
      }
      if (statement.isTypeOnly) continue;
      const from =
        statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined;
      const clause = statement.exportClause;
      if (from !== undefined) {
        const sub = mapOfSpecifier(from, fileName, hops);
        if (!clause) {
          // export * from "..."
          if (!sub) onlyApi = false;
          else {
            all ||= sub.all;
            onlyApi &&= sub.onlyApi;
            for (const [n, c] of sub.names) add(n, c);
          }
        } else if (ts.isNamespaceExport(clause)) {
          add(clause.name.text, sub?.all ? WHOLE_API : undefined);
        } else {
          for (const spec of clause.elements) {
            if (!spec.isTypeOnly) add(spec.name.text, lookupIn(sub, (spec.propertyName ?? spec.name).text));
          }
        }
        continue;
      }
      if (!clause || !ts.isNamedExports(clause)) continue;
      // export { local as name }: follows the local to its import
      for (const spec of clause.elements) {
        if (spec.isTypeOnly) continue;
        const hit = lookupName(sf, (spec.propertyName ?? spec.name).text);
        const binding = hit ? importBindingOf(hit.declaration) : undefined;
        add(
          spec.name.text,
          binding && !binding.typeOnly
            ? lookupIn(mapOfSpecifier(binding.module, fileName, hops), binding.imported)
            : undefined,
        );
      }
    }
    return all || names.size > 0 ? { all, names, onlyApi } : undefined;
  };

  return {
    resolver,
    exportOf: (specifier, imported, fromFile) => lookupIn(mapOfSpecifier(specifier, fromFile, 0), imported),
    exportsApi: (specifier, fromFile) => mapOfSpecifier(specifier, fromFile, 0) !== undefined,
    isApi: (specifier, fromFile) => mapOfSpecifier(specifier, fromFile, 0)?.onlyApi === true,
    moduleName(specifier, fromFile) {
      if (!API_MODULE_NAMES.has(specifier)) {
        const resolved = resolver.resolve(specifier, fromFile);
        if (resolved && !resolved.external) return nameFromPath(resolved.fileName);
      }
      return nameFromPath(specifier.startsWith("@") ? specifier.split("/").slice(1).join("/") : specifier);
    },
  };
}

const perOptions = new WeakMap<ResolvedOptions, ApiModules>();
const perProgram = new WeakMap<ts.Program, WeakMap<ResolvedOptions, ApiModules>>();
const MAX_ALIAS_DEPTH = 8;

/** The checker half of {@link ApiModules.exportOfNode}: API declarations by symbol, built on first use. */
function checkerLookup(program: ts.Program): Required<Pick<ApiModules, "exportOfNode" | "namespaceExports">> {
  const checker = program.getTypeChecker();
  let apiSymbols: Map<ts.Symbol, string> | undefined;
  const build = (fromFile: string): Map<ts.Symbol, string> => {
    const modules: ts.Symbol[] = checker
      .getAmbientModules()
      .filter((m) => API_MODULE_NAMES.has(m.name.replace(/^"|"$/g, "")));
    for (const name of API_MODULE_NAMES) {
      const resolved = ts.resolveModuleName(
        name,
        fromFile,
        program.getCompilerOptions(),
        ts.sys,
      ).resolvedModule;
      const sf = resolved ? program.getSourceFile(resolved.resolvedFileName) : undefined;
      const symbol = sf ? checker.getSymbolAtLocation(sf) : undefined;
      if (symbol) modules.push(symbol);
    }
    const map = new Map<ts.Symbol, string>();
    for (const module of modules) {
      for (const exported of checker.getExportsOfModule(module)) {
        const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        if (!map.has(target)) map.set(target, exported.name);
      }
    }
    return map;
  };
  const exportOfNode = (node: ts.Node): string | undefined => {
    apiSymbols ??= build(node.getSourceFile().fileName);
    let symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) ? node.name : node);
    for (let depth = 0; symbol && depth < MAX_ALIAS_DEPTH; depth++) {
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const hit = apiSymbols.get(symbol);
      if (hit !== undefined) return hit;
      // `export const act = activity` (a facade that aliases through a constant)
      const decl = symbol.valueDeclaration;
      if (
        !decl ||
        !ts.isVariableDeclaration(decl) ||
        !decl.initializer ||
        !ts.isVariableDeclarationList(decl.parent) ||
        !(decl.parent.flags & ts.NodeFlags.Const)
      )
        return undefined;
      const init = decl.initializer;
      if (!ts.isIdentifier(init) && !ts.isPropertyAccessExpression(init)) return undefined;
      symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(init) ? init.name : init);
    }
    return undefined;
  };
  const namespaceExports = (node: ts.NamespaceImport): readonly string[] => {
    const api = (apiSymbols ??= build(node.getSourceFile().fileName));
    let module = checker.getSymbolAtLocation(node.name);
    if (module && module.flags & ts.SymbolFlags.Alias) module = checker.getAliasedSymbol(module);
    if (!module) return [];
    return checker.getExportsOfModule(module).flatMap((exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const name = api.get(target);
      return name === undefined ? [] : [name];
    });
  };
  return { exportOfNode, namespaceExports };
}

/**
 * The {@link ApiModules} of a set of options, created on first use: resolution follows the
 * program's compiler options when the entry point has a program (tspc, editor), else the
 * project's tsconfig (vite, node loader), so all of them resolve `paths` aliases alike. With
 * `program`, names syntax cannot place are also asked of the type checker (tspc, editor).
 */
export function apiModulesOf(options: ResolvedOptions, program?: ts.Program): ApiModules {
  let api = perOptions.get(options);
  if (!api) {
    const compilerOptions = options.compilerOptions ?? loadCompilerOptions(options.rootDir, options.tsconfig);
    api = createApiModules(createModuleResolver(compilerOptions));
    perOptions.set(options, api);
  }
  if (!program) return api;
  let forProgram = perProgram.get(program);
  if (!forProgram) perProgram.set(program, (forProgram = new WeakMap()));
  let withChecker = forProgram.get(options);
  if (!withChecker) {
    withChecker = { ...api, ...checkerLookup(program) };
    forProgram.set(options, withChecker);
  }
  return withChecker;
}
