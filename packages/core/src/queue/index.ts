export { defineQueue, isQueueDefinition } from "./define-queue.ts";
export type { QueueDefinition, QueueOptions } from "./define-queue.ts";
export type { QueueStartOptions } from "./queued-start.ts";
