// Source links: the transformer writes a manifest (continuum-manifest.json) naming, for every
// workflow version, each effect's cursor and where it is written (`file:line:col`). An event's
// identity is `cursor@occurrence`, so the cursor leads back to the line that issued it.

/** The part of the transformer's manifest the Observer reads (format 1, see transformer/SPEC.md). */
export interface ObserverManifest {
  readonly format: number;
  readonly workflows: readonly {
    readonly name: string | null;
    readonly versionHash: string;
    readonly file: string;
    readonly line: number;
    readonly cursors: readonly { readonly cursor: string; readonly at: string }[];
  }[];
  readonly helpers?: readonly {
    readonly file: string;
    readonly cursors: readonly { readonly cursor: string; readonly at: string }[];
  }[];
}

/** Looks up where an effect was issued. */
export interface SourceIndex {
  /** `file:line:col` of the effect with `identity` in the given workflow version, if known. */
  locate(workflowName: string, versionHash: string, identity: string): string | undefined;
  /** `file:line` of the workflow definition. */
  definition(workflowName: string, versionHash: string): string | undefined;
}

/** Builds the index; a manifest of an unknown format is refused (its fields may mean something else). */
export function createSourceIndex(manifest: ObserverManifest): SourceIndex {
  if (
    typeof manifest !== "object" ||
    manifest === null ||
    manifest.format !== 1 ||
    !Array.isArray(manifest.workflows as unknown)
  )
    throw new TypeError(
      "observer option `manifest`: expected the transformer's continuum-manifest.json (format 1)",
    );
  const byVersion = new Map<string, Map<string, string>>();
  const byName = new Map<string, Map<string, string>>();
  const definitions = new Map<string, string>();
  for (const workflow of manifest.workflows) {
    const cursors = new Map<string, string>(workflow.cursors.map((c) => [c.cursor, c.at]));
    byVersion.set(`${workflow.name ?? ""}\n${workflow.versionHash}`, cursors);
    definitions.set(`${workflow.name ?? ""}\n${workflow.versionHash}`, `${workflow.file}:${workflow.line}`);
    if (workflow.name !== null) {
      const merged = byName.get(workflow.name) ?? new Map<string, string>();
      for (const [cursor, at] of cursors) if (!merged.has(cursor)) merged.set(cursor, at);
      byName.set(workflow.name, merged);
    }
  }
  const helpers = new Map<string, string>();
  for (const helper of manifest.helpers ?? []) for (const c of helper.cursors) helpers.set(c.cursor, c.at);
  return {
    locate(workflowName, versionHash, identity) {
      const at = identity.lastIndexOf("@");
      const cursor = at === -1 ? identity : identity.slice(0, at);
      return (
        byVersion.get(`${workflowName}\n${versionHash}`)?.get(cursor) ??
        byName.get(workflowName)?.get(cursor) ??
        helpers.get(cursor)
      );
    },
    definition: (workflowName, versionHash) => definitions.get(`${workflowName}\n${versionHash}`),
  };
}
