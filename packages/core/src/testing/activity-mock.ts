import type { ActivityArgs, ActivityResult } from "../workflow/index.ts";
import type { ActivityImplementation } from "../worker/activity-pool.ts";
import type { AnyActivityDefinition } from "../worker/definition-info.ts";

/** A stand-in implementation for one activity, keyed by the activity's definition. */
export interface ActivityMock {
  readonly activityName: string;
  readonly implementation: ActivityImplementation;
}

/**
 * Replaces an activity's function in the test environment, with the definition's own argument
 * and result types. The mock runs exactly where the real function would: in the engine's
 * activity pool, with retries, timeouts and `activityContext()`.
 *
 * @example
 * ```ts
 * let calls = 0;
 * const env = await createTestEnvironment({
 *   workflows: [orderFlow],
 *   activityMocks: [mockActivity(payments.charge, async (orderId) => { calls++; return { receipt: `r-${orderId}` }; })],
 * });
 * ```
 */
export function mockActivity<D extends AnyActivityDefinition>(
  definition: D,
  implementation: (...args: ActivityArgs<D>) => ActivityResult<D> | Promise<ActivityResult<D>>,
): ActivityMock {
  return { activityName: definition.name, implementation: implementation as ActivityImplementation };
}
