export * from "./error-code.ts";
export * from "./continuum-error.ts";
export * from "./journal-errors.ts";
export * from "./engine-errors.ts";
export * from "./codec-errors.ts";
export * from "./database-errors.ts";
export * from "./workflow-errors.ts";
export * from "./replay-errors.ts";
