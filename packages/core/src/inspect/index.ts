export { createInspector } from "./create-inspector.ts";
export type { InspectorOptions } from "./create-inspector.ts";
export type {
  HealthProblem,
  HealthProblemKind,
  HealthReport,
  InspectedEvent,
  InspectedFindingTask,
  InspectedHistoryPage,
  InspectedInboxItem,
  InspectedRun,
  InspectedRunDetail,
  InspectedRunsPage,
  InspectedTask,
  Inspector,
  RunsPageRequest,
  RunsQuery,
} from "./inspector.ts";
export { UndecodablePayload, toDisplayJson, inspectError } from "./display-value.ts";
export type { InspectedError } from "./display-value.ts";
