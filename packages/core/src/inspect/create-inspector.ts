import type { HealthRequest, Journal, JournalInspector, RunQuery } from "../journal/journal.ts";
import { requiredSchemaVersion } from "../journal/sql/migrator.ts";
import { encode } from "../codec/index.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import type { Encoded } from "../model/payload.ts";
import { checkJournalOption } from "../validation/journal-option.ts";
import { checkPageRequest } from "../validation/cursor.ts";
import { Limits } from "../validation/limits.ts";
import { checkOptionalNumber } from "../validation/numbers.ts";
import { ALL_NAMESPACES, IdentifierKind, checkIdentifier, namespaceScope } from "../validation/identifier.ts";
import { inspectError } from "./display-value.ts";
import { describeSchedule } from "../schedules/schedule-client.ts";
import { healthProblems } from "./health-problems.ts";
import {
  inspectEvent,
  inspectInboxItem,
  inspectRun,
  inspectRunDetail,
  inspectTask,
} from "./inspect-records.ts";
import type { Inspector, RunsQuery } from "./inspector.ts";
import { checkAttributeQuery } from "../validation/attribute-query.ts";
import {
  attributeScopeOf,
  checkQueryTypes,
  type DeclaringWorkflow,
} from "../validation/attribute-query-types.ts";

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /**
   * The workflow definitions (or just `{ name, searchAttributes }`) whose declared search
   * attributes `where` queries are checked against: a name they do not declare, a value of
   * another type, or a range on a keyword is refused with CTM_INVALID_ATTRIBUTE_QUERY before any
   * read. Default: none (queries are checked for their shape only).
   */
  readonly workflows?: readonly DeclaringWorkflow[];
}

/**
 * The public read model over a journal (see {@link Inspector}): runs pages with filters, run
 * details, history pages, tasks, timers, inbox, workflows and the health report, on any
 * journal. It only reads. The Observer, the CLI and the OpenTelemetry bridge use this and
 * nothing else.
 *
 * @example
 * ```ts
 * const journal = await openJournal({ url: process.env.DATABASE_URL });
 * const inspector = createInspector(journal);
 * const { runs, next } = await inspector.runs({ status: ["running"], idPrefix: "order-" });
 * const detail = await inspector.run(runs[0]!.runId);
 * const report = await inspector.health();
 * if (report.problems.length > 0) console.error(report.problems);
 * ```
 */
export function createInspector(journal: Journal, options: InspectorOptions = {}): Inspector {
  const port = readModelOf(checkJournalOption(journal));
  const workflows = options.workflows ?? [];
  const checkTypes = (query: RunsQuery): void => {
    if (query.where === undefined || workflows.length === 0) return;
    checkQueryTypes(
      checkAttributeQuery(query.where),
      undefined,
      attributeScopeOf(workflows, query.workflowName),
    );
  };
  return {
    async runs(request = {}) {
      checkPageRequest(request.limit, request.after);
      checkPageRequest(undefined, request.before);
      checkTypes(request);
      const page = await port.listRuns({ ...toRunQuery(request), ...paging(request) });
      return {
        runs: page.runs.map(inspectRun),
        ...(page.next === undefined ? {} : { next: page.next }),
        ...(page.previous === undefined ? {} : { previous: page.previous }),
      };
    },
    async counts(query = {}) {
      checkTypes(query);
      return port.countRuns(toRunQuery(query));
    },
    async run(id, options = {}) {
      const direct = await port.getRunDetail(id);
      if (direct !== undefined) return inspectRunDetail(direct);
      const scope = namespaceScope(options.namespace);
      const latest =
        scope === undefined
          ? (await journal.listRuns({ workflowId: id, limit: 1 })).runs[0]
          : await journal.getRunByWorkflowId(scope, id);
      const detail = latest === undefined ? undefined : await port.getRunDetail(latest.runId);
      return detail === undefined ? undefined : inspectRunDetail(detail);
    },
    async history(runId, request = {}) {
      checkOptionalNumber(request.afterSeq, "history afterSeq", { min: 0, max: 2 ** 31 - 1, integer: true });
      checkOptionalNumber(request.limit, "history limit", { min: 1, max: 5000, integer: true });
      const page = await port.readHistoryPage(runId, request);
      return {
        events: page.events.map(inspectEvent),
        ...(page.nextAfterSeq === undefined ? {} : { nextAfterSeq: page.nextAfterSeq }),
      };
    },
    tasks: async (runId) => (await port.listTasks(runId)).map(inspectTask),
    timers: (runId) => port.listTimers(runId),
    inbox: async (runId) => (await port.listInbox(runId)).map(inspectInboxItem),
    workflows: (options = {}) => port.listWorkflows(scoped(options)),
    queues: () => journal.listQueues(),
    schedules: async (options = {}) =>
      (await journal.listSchedules(namespaceScope(options.namespace))).map(describeSchedule),
    async schedule(namespace, name) {
      const found = await journal.getSchedule(namespace, name);
      return found === undefined ? undefined : describeSchedule(found);
    },
    audit(request = {}) {
      checkOptionalNumber(request.sampleLimit, "sampleLimit", { min: 0, max: 1000, integer: true });
      return port.audit(request);
    },
    async auditLog(request = {}) {
      checkOptionalNumber(request.limit, "audit log limit", { min: 1, max: 1000, integer: true });
      checkOptionalNumber(request.before, "audit log cursor", {
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
        integer: true,
      });
      if (request.runId !== undefined) checkIdentifier(IdentifierKind.id, request.runId, "run id");
      return (await journal.admin?.listOperatorActions(request)) ?? { entries: [] };
    },
    async health(request: HealthRequest = {}) {
      checkOptionalNumber(request.staleAfterMs, "staleAfterMs", {
        min: 0,
        max: Limits.maxTimerMs,
        integer: true,
      });
      checkOptionalNumber(request.sampleLimit, "sampleLimit", { min: 0, max: 1000, integer: true });
      const report = await port.health(scoped(request));
      const required = report.schemaVersion === undefined ? undefined : requiredSchemaVersion();
      return {
        ...report,
        deadLetters: {
          count: report.deadLetters.count,
          sample: report.deadLetters.sample.map(({ lastError, ...task }) => ({
            ...task,
            ...(lastError === undefined ? {} : { lastError: inspectError(lastError) }),
          })),
        },
        ...(required === undefined ? {} : { requiredSchemaVersion: required }),
        problems: healthProblems(report, required),
      };
    },
  };
}

function readModelOf(journal: Journal): JournalInspector {
  if (journal.inspector === undefined)
    throw new InvalidEngineOptionError(
      "journal",
      "a journal without a read model (journal.inspector)",
      "a journal from openJournal() or createMemoryJournal(), or a wrapper that passes `inspector` through",
    );
  return journal.inspector;
}

function toRunQuery(query: RunsQuery): RunQuery {
  const {
    attributes,
    limit: _l,
    after: _a,
    before: _b,
    ...rest
  } = query as RunsQuery & Record<string, unknown>;
  return {
    ...scoped(rest),
    ...(attributes === undefined
      ? {}
      : {
          attributes: Object.fromEntries(
            Object.entries(attributes).map(([key, value]): [string, Encoded] => [
              key,
              encode(value, `attributes.${key}`),
            ]),
          ),
        }),
  };
}

function paging(request: { limit?: number; after?: string; before?: string }) {
  return {
    ...(request.limit === undefined ? {} : { limit: request.limit }),
    ...(request.after === undefined ? {} : { after: request.after }),
    ...(request.before === undefined ? {} : { before: request.before }),
  };
}

/** `options` without a `namespace` of `*` (every namespace: the port's absent filter). */
function scoped<T extends { readonly namespace?: string }>(options: T): T {
  if (options.namespace !== ALL_NAMESPACES) return options;
  const { namespace: _all, ...rest } = options;
  return rest as T;
}
