// Cold-rebuild read of a 10,000-event history with and without a history snapshot, on
// PostgreSQL: `node bench/replay/snapshot-read.ts` (TEST_DATABASE_URL's server, scratch database).
// Two runs with the same 10,050 events; one was written with snapshotEvery 10,000 (its history
// 1..10,001 packed in one row, 49 events after it). Reports readHistory wall time (median and
// min of 15), the rows each read fetches, and shared buffers touched (EXPLAIN ANALYZE BUFFERS).
import { openJournal, type Journal } from "@continuum/core";
import pg from "pg";

const server = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `ctm_ops_snapread_${process.pid}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;

async function seed(
  journal: Journal,
  workflowId: string,
  snapshotEvery: number | undefined,
): Promise<string> {
  const { run } = await journal.startRun({
    namespace: "b",
    workflowId,
    workflowName: "long",
    versionHash: "v",
    input: null,
  });
  const [claim] = (await journal.claimRuns({ owner: "bench", limit: 10, leaseMs: 600_000 })).filter(
    (c) => c.run.runId === run.runId,
  );
  let lastSeq = claim!.run.lastSeq;
  let delivered = claim!.inbox.map((i) => i.id);
  for (const size of [...Array.from({ length: 10 }, () => 1000), 49]) {
    const events = Array.from({ length: size }, (_, i) => ({
      kind: "value_recorded" as const,
      identity: `v#0@${lastSeq + i}`,
      value: { n: lastSeq + i, text: "a value of about the size of a small activity result" },
    }));
    const done = await journal.commitStep({
      lease: claim!.lease,
      lastSeq,
      delivered,
      events,
      tasks: [],
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
      leaseMs: 600_000,
      ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
    });
    lastSeq = done.lastSeq;
    delivered = [];
  }
  return run.runId;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]! };
};
try {
  const journal = await openJournal({ url: url.toString(), migrate: true });
  const plain = await seed(journal, "plain", undefined);
  const packed = await seed(journal, "packed", 10_000);
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await db.query("VACUUM ANALYZE");
  const times: Record<string, number[]> = { plain: [], packed: [] };
  let length = { plain: 0, packed: 0 };
  for (let i = 0; i < 16; i++) {
    for (const [label, runId] of [
      ["plain", plain],
      ["packed", packed],
    ] as const) {
      const t = performance.now();
      const history = await journal.readHistory(runId);
      if (i > 0) times[label]!.push(performance.now() - t);
      length = { ...length, [label]: history.length };
    }
  }
  const explain = async (text: string, params: unknown[]) => {
    const plan = (await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params)).rows[0][
      "QUERY PLAN"
    ][0].Plan;
    return {
      rows: plan["Actual Rows"],
      sharedHit: plan["Shared Hit Blocks"],
      sharedRead: plan["Shared Read Blocks"],
    };
  };
  const eventsQuery = `SELECT e.seq, e.kind, e.body, e.at FROM continuum.events e WHERE e.run_id = $1 AND e.seq > $2
    AND e.history_month = (SELECT history_month FROM continuum.runs WHERE run_id = $1) ORDER BY e.seq`;
  const snap = (
    await db.query(
      "SELECT seq, length(state::text) AS bytes FROM continuum.history_snapshots WHERE run_id = $1",
      [packed],
    )
  ).rows[0];
  const out = {
    loadAverage: (await import("node:os"))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" "),
    events: length,
    snapshot: { seq: snap.seq, bytes: Number(snap.bytes) },
    readHistoryMs: { plain: stats(times.plain!), packed: stats(times.packed!) },
    plainQuery: await explain(eventsQuery, [plain, 0]),
    packedQueries: {
      snapshotRow: await explain(
        "SELECT seq, state FROM continuum.history_snapshots WHERE run_id = $1 ORDER BY seq DESC LIMIT 1",
        [packed],
      ),
      tail: await explain(eventsQuery, [packed, snap.seq]),
    },
  };
  console.log(JSON.stringify(out, null, 2));
  await db.end();
  await journal.close();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
