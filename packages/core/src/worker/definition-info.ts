import type { WorkflowStamp } from "../model/identity.ts";
import {
  assertStamped,
  type AnyActivityDefinition,
  type AnyWorkflowDefinition,
  type WorkflowInput,
  type WorkflowOutput,
} from "../workflow/index.ts";

/** Definition types the engine, client and test kit take (from the workflow API). */
export type { AnyActivityDefinition, AnyWorkflowDefinition, WorkflowInput, WorkflowOutput };

/**
 * Name and version hash of a workflow definition, after checking that the transformer stamped
 * it (an unstamped workflow throws `WorkflowNotTransformedError`).
 */
export function workflowInfo(definition: AnyWorkflowDefinition): {
  readonly name: string;
  readonly versionHash: string;
  readonly stamp: WorkflowStamp;
} {
  assertStamped(definition);
  return { name: definition.name, versionHash: definition.stamp.versionHash, stamp: definition.stamp };
}
