export * from "./logger.ts";
export * from "./console-logger.ts";
export * from "./operator-log.ts";
export * from "./resolve-engine-log.ts";
export * from "./capture-logger.ts";
