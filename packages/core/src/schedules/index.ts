export * from "./define-schedule.ts";
export * from "./schedule-client.ts";
