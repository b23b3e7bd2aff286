-- 0012_schedules_delayed_starts: delayed starts and schedules (issue 16).
--
-- Delayed starts: a run started with startAt/startDelay exists at once (status running, its
-- run_started event written) but is not ready: its ready_since stays NULL, so it is not in
-- runs_ready_idx and the claim query never walks over it (a million reminders due next month
-- cost the claim query nothing). not_before holds its start time; the timer wheel
-- (fireDueTimers) makes due ones ready through runs_delayed_start_idx, which also serves
-- nextDueAt (engines and the test kit's time skipping wake at the earliest pending start).
-- start_at keeps the requested start time for the read model.

ALTER TABLE continuum.runs ADD COLUMN start_at timestamptz;

CREATE INDEX runs_delayed_start_idx ON continuum.runs (not_before)
  WHERE start_at IS NOT NULL AND not_before IS NOT NULL AND ready_since IS NULL;

-- Schedules: one row per (namespace, name). next_fire_at is the earliest fire time not yet
-- handled; an engine that fires a schedule locks its row FOR UPDATE SKIP LOCKED, starts the
-- fire's run (workflow id "<name>@<fire time ISO>") and advances next_fire_at in one
-- transaction, so each fire time starts exactly one run across any number of engines.
-- buffered_fire_at is the one fire an overlap policy "buffer_one" holds back until the
-- schedule's previous run ends.
CREATE TABLE continuum.schedules (
  namespace text NOT NULL,
  name text NOT NULL,
  spec json NOT NULL,
  spec_hash text NOT NULL,
  workflow_name text NOT NULL,
  version_hash text NOT NULL,
  input json NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  next_fire_at timestamptz,
  buffered_fire_at timestamptz,
  last_fire_at timestamptz,
  last_run_id text,
  fired_count bigint NOT NULL DEFAULT 0,
  skipped_count bigint NOT NULL DEFAULT 0,
  last_skipped_at timestamptz,
  last_skip_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (namespace, name)
);

-- The engines' schedule loop: due, unpaused schedules by fire time.
CREATE INDEX schedules_due_idx ON continuum.schedules (next_fire_at)
  WHERE NOT paused AND next_fire_at IS NOT NULL;

-- buffer_one: schedules holding a fire until their previous run ends (checked each round).
CREATE INDEX schedules_buffered_idx ON continuum.schedules (namespace)
  WHERE buffered_fire_at IS NOT NULL AND NOT paused;
