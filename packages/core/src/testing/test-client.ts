import { createClient, type Client } from "../client/create-client.ts";
import type { Journal } from "../journal/journal.ts";
import type { Instrumentation } from "../worker/instrumentation.ts";

/** What the test environment's client needs from it. */
export interface TestClientOptions {
  readonly journal: Journal;
  readonly instrumentation?: Instrumentation | undefined;
  readonly namespace?: string | undefined;
  /** Drives the engine (skipping time) until the run has finished. */
  readonly finish: (runId: string) => Promise<void>;
}

/**
 * The test environment's client: a real client whose `result` (and `await`, and the handles'
 * `result`) first drives the engine until the run finishes, as no engine runs in the background.
 */
export function createTestClient(options: TestClientOptions): Client {
  const base = createClient({
    journal: options.journal,
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  const result = async <Output>(runId: string, opts?: { timeoutMs?: number }): Promise<Output> => {
    await options.finish(runId);
    return base.result<Output>(runId, opts);
  };
  return {
    ...base,
    async start(definition, input, startOptions) {
      const handle = await base.start(definition, input, startOptions);
      return { ...handle, result: (opts) => result(handle.runId, opts) };
    },
    result,
    await: result,
  };
}
