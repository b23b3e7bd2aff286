import type pg from "pg";

/** Heap records of one table in a WAL window. */
export interface HeapWrites {
  insert: number;
  /** Non-HOT updates (a new version and an entry in every index whose predicate it meets). */
  update: number;
  hot: number;
  delete: number;
  /** Row locks (FOR UPDATE / FOR NO KEY UPDATE): a tuple header rewrite, no new version. */
  lock: number;
}

/** What one database wrote in a WAL window, by table and index. */
export interface WalWindow {
  readonly heap: Map<string, HeapWrites>;
  /** btree INSERT_LEAF / INSERT_POST and GIN insert (and pending-list append) records, by index. */
  readonly indexEntries: Map<string, number>;
  /** Records of transactions that touched the database (their commits included), and their bytes. */
  readonly records: number;
  readonly bytes: number;
  readonly fpiBytes: number;
  readonly commits: number;
  /** Every WAL byte of the server in the window, other databases' included. */
  readonly serverBytes: number;
}

const blockRef = /rel (\d+)\/(\d+)\/(\d+)/g;

/**
 * Reads the WAL between two LSNs with pg_walinspect (run `CREATE EXTENSION pg_walinspect` in the
 * database first; superuser) and attributes it to the relations of the database `client` is
 * connected to, by file node.
 */
export async function readWalWindow(client: pg.Client, from: string, to: string): Promise<WalWindow> {
  const dbOid = (
    await client.query<{ oid: string }>(
      "SELECT oid::text FROM pg_database WHERE datname = current_database()",
    )
  ).rows[0]!.oid;
  const rels = new Map<string, { name: string; kind: string }>();
  for (const r of (
    await client.query<{ node: string; name: string; kind: string }>(
      `SELECT pg_relation_filenode(c.oid)::text AS node, c.relname AS name, c.relkind::text AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'continuum' AND pg_relation_filenode(c.oid) IS NOT NULL`,
    )
  ).rows)
    rels.set(r.node, { name: r.name, kind: r.kind });
  const rows = (
    await client.query<{
      rmgr: string;
      type: string;
      len: number;
      fpi: number;
      refs: string | null;
      xid: string;
    }>(
      `SELECT resource_manager AS rmgr, record_type AS type, record_length AS len, fpi_length AS fpi,
              block_ref AS refs, xid::text AS xid
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)`,
      [from, to],
    )
  ).rows;
  const ours = new Set<string>();
  const heap = new Map<string, HeapWrites>();
  const indexEntries = new Map<string, number>();
  let serverBytes = 0;
  const touching = new Set<(typeof rows)[number]>();
  for (const row of rows) {
    serverBytes += row.len;
    let rel: { name: string; kind: string } | undefined;
    let inDb = false;
    for (const m of (row.refs ?? "").matchAll(blockRef)) {
      if (m[2] !== dbOid) continue;
      inDb = true;
      rel ??= rels.get(m[3]!);
    }
    if (!inDb) continue;
    touching.add(row);
    if (row.xid !== "0") ours.add(row.xid);
    if (rel === undefined) continue;
    if (row.rmgr === "Heap") {
      const h = heap.get(rel.name) ?? { insert: 0, update: 0, hot: 0, delete: 0, lock: 0 };
      heap.set(rel.name, h);
      if (row.type.startsWith("INSERT")) h.insert += 1;
      else if (row.type.startsWith("HOT_UPDATE")) h.hot += 1;
      else if (row.type.startsWith("UPDATE")) h.update += 1;
      else if (row.type.startsWith("DELETE")) h.delete += 1;
      else if (row.type.startsWith("LOCK")) h.lock += 1;
    } else if (
      (row.rmgr === "Btree" && (row.type === "INSERT_LEAF" || row.type === "INSERT_POST")) ||
      // GIN's fast update appends to its pending list with UPDATE_META_PAGE records.
      (row.rmgr === "Gin" && (row.type.startsWith("INSERT") || row.type === "UPDATE_META_PAGE"))
    ) {
      indexEntries.set(rel.name, (indexEntries.get(rel.name) ?? 0) + 1);
    }
  }
  let records = 0;
  let bytes = 0;
  let fpiBytes = 0;
  let commits = 0;
  for (const row of rows) {
    const counted = touching.has(row) || (row.rmgr === "Transaction" && ours.has(row.xid));
    if (!counted) continue;
    records += 1;
    bytes += row.len;
    fpiBytes += row.fpi;
    if (row.rmgr === "Transaction" && row.type.startsWith("COMMIT")) commits += 1;
  }
  return { heap, indexEntries, records, bytes, fpiBytes, commits, serverBytes };
}

/** pg_stat_user_tables counters of the continuum schema, by table. */
export type TableStats = Map<string, { ins: number; upd: number; hot: number; del: number }>;

/** Reads pg_stat_user_tables for the continuum schema (a fresh snapshot). */
export async function readTableStats(client: pg.Client): Promise<TableStats> {
  await client.query("SELECT pg_stat_clear_snapshot()");
  const out: TableStats = new Map();
  for (const r of (
    await client.query<{ name: string; ins: string; upd: string; hot: string; del: string }>(
      `SELECT relname AS name, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del
       FROM pg_stat_user_tables WHERE schemaname = 'continuum'`,
    )
  ).rows)
    out.set(r.name, { ins: Number(r.ins), upd: Number(r.upd), hot: Number(r.hot), del: Number(r.del) });
  return out;
}

/** Counter differences between two readings. */
export function tableStatsDelta(before: TableStats, after: TableStats): TableStats {
  const out: TableStats = new Map();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { ins: 0, upd: 0, hot: 0, del: 0 };
    out.set(name, { ins: a.ins - b.ins, upd: a.upd - b.upd, hot: a.hot - b.hot, del: a.del - b.del });
  }
  return out;
}
