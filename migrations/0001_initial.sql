-- 0001_initial: the journal's schema. Forward-only: never edit this file once released; add
-- 0002_*.sql instead. Everything lives in the `continuum` schema so an app's own tables and
-- search_path are left alone. Applied by packages/core/src/journal/sql/migrator.ts inside one
-- transaction under an advisory lock.

CREATE SCHEMA IF NOT EXISTS continuum;

-- Bookkeeping of applied migrations (the migrator reads it; checksum catches edited files).
CREATE TABLE continuum.schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- TEST ONLY. Production never writes a row here, so the offset is zero. The conformance suite
-- and the test kit insert one row to move the journal's clock forward (time skipping) without
-- touching the server's clock.
CREATE TABLE continuum.test_clock_offset (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  offset_ms bigint NOT NULL
);

-- The journal's only clock. Every lease, deadline, timer and timestamp is computed from it,
-- never from an application server's clock. Millisecond precision so that epoch-ms values
-- round-trip exactly. STABLE (one value per statement, transaction start time) so it can be
-- used as an index condition.
CREATE FUNCTION continuum.now() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT date_trunc('milliseconds', pg_catalog.now())
       + coalesce((SELECT o.offset_ms FROM continuum.test_clock_offset o), 0) * interval '1 millisecond'
$$;

-- One counter for the journal: the creation order of runs and the order of inbox items, so
-- "ready since" is comparable across runs (a run is ready since its first undelivered item,
-- or since its creation when it was never stepped).
CREATE SEQUENCE continuum.journal_order AS bigint;

CREATE TABLE continuum.runs (
  run_id           text PRIMARY KEY,
  namespace        text NOT NULL,
  workflow_id      text NOT NULL,
  workflow_name    text NOT NULL,
  version_hash     text NOT NULL,
  status           text NOT NULL DEFAULT 'running' CHECK (status IN (
                     'running', 'completed', 'failed', 'cancelled', 'continued', 'stuck_unknown_version')),
  -- Payloads are json, not jsonb: stored and returned as the exact text the codec produced
  -- (key order included, and characters jsonb refuses such as \u0000).
  input            json NOT NULL,
  result           json,
  error            json,
  -- search attributes: returned verbatim from `attributes`, queried through `attributes_search`
  attributes       json NOT NULL DEFAULT '{}'::json CHECK (json_typeof(attributes) = 'object'),
  attributes_search jsonb GENERATED ALWAYS AS (attributes::jsonb) STORED,
  parent_run_id    text,
  -- continue-as-new: every run of a chain shares chain_id (the first run's id) and workflow_id
  chain_id         text NOT NULL,
  continued_from   text,
  continued_to     text,
  created_order    bigint NOT NULL DEFAULT nextval('continuum.journal_order'),
  -- partition key of this run's events: the month the run was created in
  history_month    date NOT NULL,
  last_seq         integer NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
  -- Set while the run has work (never stepped, or undelivered inbox items): the journal_order
  -- value it has been ready since (its creation, or its first undelivered inbox item). Claims
  -- take ready runs oldest first straight from the partial index below.
  ready_since      bigint,
  ready            boolean GENERATED ALWAYS AS (ready_since IS NOT NULL) STORED,
  fencing_token    bigint NOT NULL DEFAULT 0,
  lease_owner      text,
  lease_expires_at timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  CHECK ((status = 'continued') = (continued_to IS NOT NULL)),
  CHECK (ready_since IS NULL OR status IN ('running', 'stuck_unknown_version'))
);

-- A workflow id names one chain; only the chain's latest run (the one not continued) holds it.
CREATE UNIQUE INDEX runs_workflow_id_key ON continuum.runs (namespace, workflow_id) WHERE status <> 'continued';
CREATE INDEX runs_ready_idx ON continuum.runs (ready_since) WHERE ready_since IS NOT NULL;
CREATE INDEX runs_list_idx ON continuum.runs (namespace, created_order DESC);
CREATE INDEX runs_order_idx ON continuum.runs (created_order DESC);
CREATE INDEX runs_status_idx ON continuum.runs (status, created_order DESC);
CREATE INDEX runs_attributes_idx ON continuum.runs USING gin (attributes_search jsonb_path_ops);
CREATE INDEX runs_parent_idx ON continuum.runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX runs_chain_idx ON continuum.runs (chain_id);

-- History. Partitioned by the run's creation month (not the event's), so a run's whole
-- history sits in one partition, (run_id, seq) stays unique although Postgres requires the
-- partition key in the primary key, and retention can drop whole months of old runs.
CREATE TABLE continuum.events (
  run_id        text NOT NULL,
  history_month date NOT NULL,
  seq           integer NOT NULL CHECK (seq >= 1),
  kind          text NOT NULL,
  body          json NOT NULL,
  at            timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq, history_month)
) PARTITION BY RANGE (history_month);

CREATE TABLE continuum.events_default PARTITION OF continuum.events DEFAULT;

-- Creates the monthly partitions events_YYYY_MM for `months` months from `from_month`,
-- moving rows of those months out of the default partition first. Idempotent and safe to call
-- from several processes at once (advisory lock). Returns how many partitions it created.
CREATE FUNCTION continuum.ensure_event_partitions(from_month date, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  lower_bound date := date_trunc('month', from_month)::date;
  upper_bound date;
  part text;
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('continuum.ensure_event_partitions'));
  FOR i IN 1 .. months LOOP
    upper_bound := (lower_bound + interval '1 month')::date;
    part := 'events_' || to_char(lower_bound, 'YYYY_MM');
    IF to_regclass(format('continuum.%I', part)) IS NULL THEN
      EXECUTE format('CREATE TABLE continuum.%I (LIKE continuum.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
      EXECUTE format(
        'WITH moved AS (DELETE FROM continuum.events_default WHERE history_month >= %L AND history_month < %L RETURNING *) '
        'INSERT INTO continuum.%I SELECT * FROM moved', lower_bound, upper_bound, part);
      EXECUTE format('ALTER TABLE continuum.events ATTACH PARTITION continuum.%I FOR VALUES FROM (%L) TO (%L)',
        part, lower_bound, upper_bound);
      created := created + 1;
    END IF;
    lower_bound := upper_bound;
  END LOOP;
  RETURN created;
END
$$;

-- Resolutions waiting to be delivered to a run's execution, in id order.
CREATE TABLE continuum.inbox (
  id          bigint PRIMARY KEY DEFAULT nextval('continuum.journal_order'),
  run_id      text NOT NULL REFERENCES continuum.runs (run_id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN (
                'activity_completed', 'activity_failed', 'timer_fired', 'signal_received', 'cancel_requested')),
  body        json NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE INDEX inbox_run_idx ON continuum.inbox (run_id, id);

-- Activity tasks. available_at is when the task may next be claimed: for a pending task when
-- its first attempt or its retry may start, for a running task its current attempt's deadline
-- (an abandoned attempt makes the task claimable again). One index serves both.
CREATE TABLE continuum.tasks (
  task_id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id             text NOT NULL REFERENCES continuum.runs (run_id) ON DELETE CASCADE,
  identity           text NOT NULL,
  activity_name      text NOT NULL,
  args               json NOT NULL,
  options            json NOT NULL,
  max_attempts       integer NOT NULL CHECK (max_attempts >= 1),
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
  attempt            integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  attempt_token      uuid,
  owner              text,
  available_at       timestamptz NOT NULL,
  attempt_started_at timestamptz,
  deadline           timestamptz,
  heartbeat_at       timestamptz,
  heartbeat_details  json,
  last_error         json,
  result             json,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  finished_at        timestamptz,
  UNIQUE (run_id, identity),
  CHECK ((status = 'running') = (attempt_token IS NOT NULL AND deadline IS NOT NULL))
);
CREATE INDEX tasks_due_idx ON continuum.tasks (available_at, created_at, task_id) WHERE status IN ('pending', 'running');
-- Abandoned attempts (deadline passed), found without walking a backlog of pending tasks.
CREATE INDEX tasks_running_idx ON continuum.tasks (available_at) WHERE status = 'running';

CREATE TABLE continuum.timers (
  run_id     text NOT NULL REFERENCES continuum.runs (run_id) ON DELETE CASCADE,
  identity   text NOT NULL,
  fire_at    timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, identity)
);
CREATE INDEX timers_due_idx ON continuum.timers (fire_at, created_at, run_id, identity);

-- Cross-run idempotency: (activity name, key) runs at most once to success.
CREATE TABLE continuum.idempotency (
  activity_name text NOT NULL,
  key           text NOT NULL,
  result        json NOT NULL,
  run_id        text NOT NULL,
  task_id       uuid NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (activity_name, key)
);

-- Signal delivery ids already accepted, so a retried send is stored once.
CREATE TABLE continuum.signal_deliveries (
  run_id      text NOT NULL REFERENCES continuum.runs (run_id) ON DELETE CASCADE,
  delivery_id text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, delivery_id)
);

-- Reserved: execution snapshots that let a long history resume without replaying from seq 1.
CREATE TABLE continuum.history_snapshots (
  run_id     text NOT NULL REFERENCES continuum.runs (run_id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  state      json NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);
