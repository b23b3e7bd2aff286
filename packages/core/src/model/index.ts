export * from "./identity.ts";
export * from "./run-status.ts";
export * from "./payload.ts";
export * from "./history-event.ts";
export * from "./activity-options.ts";
export * from "./command.ts";
export * from "./workflow-id-reuse-policy.ts";
export * from "./trace-context.ts";
