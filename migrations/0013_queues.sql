-- 0013_queues: named queues in front of runs (defineQueue, client.start(..., { queue })).
--
-- A queued run is an ordinary run row (status running, its run_started event written) that no
-- engine may claim yet: not_before holds the last representable instant (claimRuns already skips
-- deferred runs) and ready_since stays NULL, so the claim's index scan over runs_ready_idx never
-- walks the backlog. Dequeuing a run (dequeueRuns, under the queue row's lock) sets dequeued_at,
-- lifts not_before and makes the run ready; from then on it holds one of the queue's slots until
-- it ends (finished_at set). Every queue column is written at most twice (insert, dequeue), so
-- run updates of a step stay HOT.

CREATE TABLE continuum.queues (
  name text PRIMARY KEY,
  -- Runs of the queue executing at once (dequeued, not ended), across every engine; NULL: no limit.
  concurrency integer CHECK (concurrency IS NULL OR concurrency > 0),
  -- Runs dequeued by one engine that have not ended; NULL: no limit.
  per_engine_concurrency integer CHECK (per_engine_concurrency IS NULL OR per_engine_concurrency > 0),
  -- At most rate_limit runs dequeued per rate_period_ms (a sliding window); NULL: no limit.
  rate_limit integer CHECK (rate_limit IS NULL OR rate_limit > 0),
  rate_period_ms bigint CHECK (rate_period_ms IS NULL OR rate_period_ms > 0),
  default_priority integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL,
  CHECK ((rate_limit IS NULL) = (rate_period_ms IS NULL))
);

ALTER TABLE continuum.runs
  ADD COLUMN queue_name text,
  ADD COLUMN queue_priority integer,
  ADD COLUMN queue_dedupe_key text,
  -- Debounced runs: not dequeued before this instant (each debounced start pushes it later).
  ADD COLUMN queue_ready_at timestamptz,
  ADD COLUMN dequeued_at timestamptz,
  ADD COLUMN dequeued_by text,
  ADD CONSTRAINT runs_queue_fields_check CHECK (queue_name IS NOT NULL OR
    (queue_priority IS NULL AND queue_dedupe_key IS NULL AND dequeued_at IS NULL AND dequeued_by IS NULL));

-- The backlog, in dequeue order (priority, then FIFO): what dequeueRuns walks.
CREATE INDEX runs_queue_backlog_idx ON continuum.runs (queue_name, queue_priority, created_order)
  WHERE queue_name IS NOT NULL AND dequeued_at IS NULL AND finished_at IS NULL;

-- Runs holding a slot (dequeued, not ended), counted per queue and per dequeuing engine.
CREATE INDEX runs_queue_active_idx ON continuum.runs (queue_name, dequeued_by)
  WHERE dequeued_at IS NOT NULL AND finished_at IS NULL;

-- Runs dequeued within a rate-limit window.
CREATE INDEX runs_queue_dequeued_idx ON continuum.runs (queue_name, dequeued_at)
  WHERE dequeued_at IS NOT NULL;

-- Open runs by deduplication key (starts with a dedupeKey look here under an advisory lock).
CREATE INDEX runs_queue_dedupe_idx ON continuum.runs (queue_name, queue_dedupe_key)
  WHERE queue_dedupe_key IS NOT NULL AND finished_at IS NULL;
