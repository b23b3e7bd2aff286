import type { Client, HistoryEvent, RunDescription } from "@continuum/core";
import type pg from "pg";
import type { Acquisition } from "./chaos-engines.ts";
import type { FaultLog } from "./chaos-faults.ts";
import type { Workload } from "./chaos-workload.ts";
import type { OrderResult } from "./chaos-workflows.ts";

/** What the checker measured; every violation is a line in `violations`. */
export interface CheckReport {
  readonly violations: string[];
  runs: number;
  events: number;
  /** Signals that reached the journals, each counted once (a handover's carried copies left out). */
  signalsTaken: number;
  /** Signals a run received but never took, handed to its successor by continue-as-new. */
  signalsCarried: number;
  timersChecked: number;
  /** Orders whose now() after the sleep was checked against the sleep's due time. */
  wokeChecked: number;
  minWokeSlackMs: number;
  /** now() readings of the orders, and the largest step back seen between two consecutive ones. */
  timesChecked: number;
  maxTimeBackMs: number;
  /** Smallest (fire time - due time) over all timers, ms; negative would be an early timer. */
  minTimerSlackMs: number;
  effectsExpected: number;
  effectsRecorded: number;
  activityAttempts: number;
  /** Attempts beyond the first per idempotency key: at-least-once duplicates the key absorbed. */
  duplicateAttempts: number;
  /** Per SIGKILL with a ready run: time until another engine took one of the killed engine's runs. */
  readonly recoveries: { readonly ms: number; readonly overlapsRestart: boolean }[];
  /** Kills after which none of the killed engine's runs had anything to resume within the lease. */
  killsWithoutReadyRun: number;
  /** Kills after which every engine that was up got killed or frozen too within the lease + 1 s. */
  killsWithoutSurvivor: number;
}

const terminalKinds = new Set(["run_completed", "run_failed", "run_cancelled", "run_continued"]);

/** Every run of the journal (orders, their children, every link of the chains), through the public list. */
async function allRuns(client: Client): Promise<RunDescription[]> {
  const runs: RunDescription[] = [];
  let after: string | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const { runs: got, next } = await client.list({ limit: 500, ...(after === undefined ? {} : { after }) });
    runs.push(...got);
    if (next === undefined) return runs;
    after = next;
  }
  throw new Error("more than 500,000 runs: the workload is not that big");
}

/** Checks one journal: 1..n without gap or duplicate, ends terminal, no effect resolved twice. */
function checkJournal(runId: string, history: readonly HistoryEvent[], report: CheckReport): void {
  const seqs = history.map((event) => event.seq);
  if (seqs.some((seq, index) => seq !== index + 1))
    report.violations.push(`journal of ${runId}: sequence ${seqs.join(",")} has a gap or a duplicate`);
  const last = history.at(-1);
  if (last === undefined || !terminalKinds.has(last.kind))
    report.violations.push(`journal of ${runId}: ends with ${last?.kind ?? "nothing"}, not a terminal event`);
  const resolved = new Map<string, number>();
  const scheduled = new Map<string, number>();
  const started = new Map<string, HistoryEvent & { kind: "timer_started" }>();
  for (const event of history) {
    if (
      event.kind === "activity_completed" ||
      event.kind === "activity_failed" ||
      event.kind === "child_completed" ||
      event.kind === "child_failed" ||
      event.kind === "timer_fired"
    )
      resolved.set(
        `${event.kind}:${event.identity}`,
        (resolved.get(`${event.kind}:${event.identity}`) ?? 0) + 1,
      );
    if (
      event.kind === "activity_scheduled" ||
      event.kind === "child_started" ||
      event.kind === "timer_started"
    )
      scheduled.set(event.identity, (scheduled.get(event.identity) ?? 0) + 1);
    if (event.kind === "timer_started") started.set(event.identity, event);
    if (event.kind === "timer_fired") {
      const set = started.get(event.identity);
      if (set?.delayMs !== undefined) {
        const slack = event.at - (set.at + set.delayMs);
        report.timersChecked += 1;
        report.minTimerSlackMs = Math.min(report.minTimerSlackMs, slack);
        if (slack < 0)
          report.violations.push(
            `timer ${event.identity} of ${runId} fired ${-slack} ms early by the database clock (set at ${set.at} for ${set.delayMs} ms, fired at ${event.at})`,
          );
      }
    }
  }
  for (const [what, n] of [...resolved, ...scheduled])
    if (n > 1) report.violations.push(`journal of ${runId}: ${what} appears ${n} times`);
}

function withoutTimes({ wokeAt: _, times: __, ...rest }: OrderResult): Omit<OrderResult, "wokeAt" | "times"> {
  return rest;
}

/** Each sender's signals must be taken in its order: one sender never overtakes itself. */
function checkSenderOrder(what: string, seen: readonly string[], report: CheckReport): void {
  const last = new Map<string, number>();
  for (const entry of seen) {
    const [sender = "", seq = "-1"] = entry.split(":");
    if ((last.get(sender) ?? -1) >= Number(seq))
      report.violations.push(`${what}: sender ${sender}'s signals taken out of order: ${seen.join(" ")}`);
    last.set(sender, Number(seq));
  }
}

/** Runs every invariant of the suite; see tests/chaos/README.md for what each one means. */
export async function checkInvariants(input: {
  client: Client;
  sql: pg.Pool;
  workload: Workload;
  results: ReadonlyMap<string, unknown>;
  faults: FaultLog;
  acquisitions: readonly Acquisition[];
  leaseMs: number;
}): Promise<CheckReport> {
  const { client, sql, workload, results, faults, acquisitions, leaseMs } = input;
  const report: CheckReport = {
    violations: [],
    runs: 0,
    events: 0,
    signalsTaken: 0,
    signalsCarried: 0,
    timersChecked: 0,
    wokeChecked: 0,
    minWokeSlackMs: Number.POSITIVE_INFINITY,
    timesChecked: 0,
    maxTimeBackMs: 0,
    minTimerSlackMs: Number.POSITIVE_INFINITY,
    effectsExpected: 0,
    effectsRecorded: 0,
    activityAttempts: 0,
    duplicateAttempts: 0,
    recoveries: [],
    killsWithoutReadyRun: 0,
    killsWithoutSurvivor: 0,
  };

  // 1. Every run finished with the result the driver computed on its own.
  for (const order of workload.orders) {
    const got = results.get(order.id) as OrderResult | undefined;
    const actual = got === undefined ? undefined : { ...withoutTimes(got), seen: [...got.seen].sort() };
    if (JSON.stringify(actual) !== JSON.stringify(order.expected))
      report.violations.push(
        `${order.id}: result ${JSON.stringify(got)}, expected ${JSON.stringify(order.expected)} (seen sorted)`,
      );
    if (got !== undefined) checkSenderOrder(order.id, got.seen, report);
    // Workflow time (now(), the database clock seen through the engine) never goes backwards in a run.
    const times = got?.times ?? [];
    report.timesChecked += times.length;
    for (let i = 1; i < times.length; i += 1) {
      const back = (times[i - 1] ?? 0) - (times[i] ?? 0);
      report.maxTimeBackMs = Math.max(report.maxTimeBackMs, back);
      if (back > 0)
        report.violations.push(
          `${order.id}: now() went back ${back} ms between two reads (${times.join(", ")})`,
        );
    }
  }
  for (const chain of workload.chains) {
    const got = results.get(chain.id) as { seen: string[]; rounds: number } | undefined;
    const expected = chain.senders.flat().map((s) => `${s.sender}:${s.seq}`);
    if (
      got === undefined ||
      got.rounds !== chain.rounds ||
      JSON.stringify([...got.seen].sort()) !== JSON.stringify([...expected].sort())
    )
      report.violations.push(
        `${chain.id}: result ${JSON.stringify(got)}, expected ${chain.rounds} rounds and each of ${expected.join(" ")} once`,
      );
    if (got !== undefined) checkSenderOrder(chain.id, got.seen, report);
  }

  // 2. Journals: gap-free, terminal, no effect resolved twice, no timer early.
  const runs = await allRuns(client);
  report.runs = runs.length;
  // Signals that reached each workflow's journals, less the ones a handover carried to the next run.
  const netSignals = new Map<string, number>();
  for (const run of runs) {
    if (run.status !== "completed" && run.status !== "continued")
      report.violations.push(`run ${run.runId} (${run.workflowName}) ended ${run.status}`);
    const history = await client.history(run.runId);
    report.events += history.length;
    checkJournal(run.runId, history, report);
    if (run.workflowName === "chaos.order") {
      // Workflow time after a sleep: the engine's clock is skewed, the database's is not.
      const woke = (results.get(run.workflowId) as OrderResult | undefined)?.wokeAt;
      const set = history.find((event) => event.kind === "timer_started");
      const due = set?.kind === "timer_started" ? set.at + (set.delayMs ?? 0) : undefined;
      report.wokeChecked += 1;
      if (woke === undefined || due === undefined || woke < due)
        report.violations.push(
          `${run.workflowId}: now() after the sleep read ${woke}, before the sleep's due time ${due} (database clock)`,
        );
      else report.minWokeSlackMs = Math.min(report.minWokeSlackMs, woke - due);
    }
    let net = netSignals.get(run.workflowId) ?? 0;
    for (const event of history) {
      if (event.kind === "signal_received") net += 1;
      if (event.kind === "run_continued") {
        net -= event.carriedSignals?.length ?? 0;
        report.signalsCarried += event.carriedSignals?.length ?? 0;
      }
    }
    netSignals.set(run.workflowId, net);
  }
  report.signalsTaken = [...netSignals.values()].reduce((sum, n) => sum + n, 0);
  // No signal lost or duplicated on the way: a repeated delivery id, even sent after a handover,
  // must never reach a journal a second time.
  const plannedSignals = [
    ...workload.orders.map((order) => [order.id, order.input.signals] as const),
    ...workload.chains.map((chain) => [chain.id, chain.total] as const),
  ];
  for (const [workflowId, planned] of plannedSignals)
    if (netSignals.get(workflowId) !== planned)
      report.violations.push(
        `${workflowId}: ${netSignals.get(workflowId) ?? 0} signals reached its journals, ${planned} were sent (duplicates by delivery id excluded)`,
      );

  // 3. Effects: exactly the expected idempotency keys, each once.
  const expectedKeys = new Set([
    ...workload.orders.flatMap((order) => order.effectKeys),
    ...workload.chains.flatMap((chain) => chain.effectKeys),
  ]);
  report.effectsExpected = expectedKeys.size;
  const effects = await sql.query<{ key: string; n: number }>(
    "SELECT key, count(*)::int AS n FROM chaos_effects GROUP BY key",
  );
  report.effectsRecorded = effects.rows.reduce((sum, row) => sum + row.n, 0);
  const recorded = new Set(effects.rows.map((row) => row.key));
  const missing = [...expectedKeys].filter((key) => !recorded.has(key));
  const unexpected = [...recorded].filter((key) => !expectedKeys.has(key));
  if (missing.length > 0) report.violations.push(`effects never recorded: ${missing.slice(0, 20).join(" ")}`);
  if (unexpected.length > 0)
    report.violations.push(`unexpected effects: ${unexpected.slice(0, 20).join(" ")}`);
  for (const row of effects.rows)
    if (row.n !== 1) report.violations.push(`effect ${row.key} recorded ${row.n} times`);
  const attempts = await sql.query<{ total: number; extra: number }>(`
    SELECT coalesce(sum(n), 0)::int AS total, coalesce(sum(n - 1), 0)::int AS extra
    FROM (SELECT key, count(*) AS n FROM chaos_attempts GROUP BY key) per_key`);
  report.activityAttempts = attempts.rows[0]?.total ?? 0;
  report.duplicateAttempts = attempts.rows[0]?.extra ?? 0;

  // 4. Recovery: after each SIGKILL, the first lease another engine took on one of the runs the
  // killed engine held (by the database clock), among those that had something to resume when
  // the killed engine's leases ran out (see KillRecord.eligible).
  for (const kill of faults.kills) {
    if (kill.eligible === undefined || kill.eligible.length === 0) {
      report.killsWithoutReadyRun += 1;
      continue;
    }
    // Someone must have been there to recover: an engine up at the kill, neither killed nor
    // frozen during the window the bound allows.
    const windowEnd = kill.at + leaseMs + 1_000;
    const survived = kill.survivors.filter(
      (owner) =>
        !faults.kills.some((k) => k.owner === owner && k.at >= kill.at && k.at <= windowEnd) &&
        !faults.stopped.some((s) => s.owner === owner && s.to >= kill.at && s.from <= windowEnd),
    );
    if (survived.length === 0) {
      report.killsWithoutSurvivor += 1;
      continue;
    }
    const held = new Set(kill.eligible);
    const first = acquisitions
      .filter((a) => held.has(a.runId) && a.owner !== kill.owner && a.at >= kill.at - 1)
      .reduce((min, a) => Math.min(min, a.at), Number.POSITIVE_INFINITY);
    const ms = first - kill.at;
    const overlapsRestart = faults.restarts.some((r) => r.to >= kill.at - 1_000 && r.from <= kill.at + ms);
    report.recoveries.push({ ms, overlapsRestart });
    if (!Number.isFinite(ms))
      report.violations.push(`no engine took over a run of ${kill.owner} after its SIGKILL`);
    else if (!overlapsRestart && ms > leaseMs + 1_000)
      report.violations.push(
        `recovery after the SIGKILL of ${kill.owner} took ${Math.round(ms)} ms, more than the lease (${leaseMs} ms) + 1 s; ` +
          `backlog at +${Math.round(leaseMs * 0.9)} ms: ${kill.backlog}; eligible runs: ${JSON.stringify(
            kill.leases?.map((l) => ({
              run: l.runId.slice(0, 8),
              expiresIn: l.expiresAt === null ? null : Math.round(l.expiresAt - kill.at),
              notBeforeIn: l.notBefore === null ? null : Math.round(l.notBefore - kill.at),
              acquiredIn: acquisitions
                .filter((a) => a.runId === l.runId && a.owner !== kill.owner && a.at >= kill.at - 1)
                .map((a) => `${Math.round(a.at - kill.at)}@${a.owner}`),
            })),
          )}`,
      );
  }
  return report;
}
