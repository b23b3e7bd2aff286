import { formatDiagnostic, type ContinuumDiagnostic } from "./checker/continuum-diagnostic.ts";

/** Stable code of {@link DeterminismError}. */
export const DETERMINISM_ERROR_CODE = "CTM_DETERMINISM";

/**
 * Thrown by the vite plugin and the node loader when a workflow or pure file breaks a
 * determinism rule. Same shape as @continuum/core's `ContinuumError` (stable `code`, `data`,
 * one-line `hint`); redeclared because the transformer has no runtime dependency on core.
 *
 * @example
 * ```ts
 * try { await import("./order.workflow.ts"); } catch (e) { if (e instanceof DeterminismError) console.error(e.data.diagnostics); }
 * ```
 */
export class DeterminismError extends Error {
  readonly code = DETERMINISM_ERROR_CODE;
  readonly hint = "fix each listed call as its `fix:` line says; see guides/determinism.md for every rule";
  readonly data: { readonly file: string; readonly diagnostics: readonly ContinuumDiagnostic[] };

  constructor(file: string, diagnostics: readonly ContinuumDiagnostic[]) {
    super(
      `Continuum: ${diagnostics.length} determinism error(s) in workflow code\n${diagnostics.map((d) => formatDiagnostic(d)).join("\n")}`,
    );
    this.name = "DeterminismError";
    this.data = { file, diagnostics };
  }
}
