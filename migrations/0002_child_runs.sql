-- 0002_child_runs: child workflows. A child run remembers which effect of its parent started it
-- (parent_identity: where its outcome is delivered) and what the parent's end does to it;
-- the inbox accepts the child outcome resolutions.

ALTER TABLE continuum.runs
  ADD COLUMN parent_identity text,
  ADD COLUMN parent_close_policy text CHECK (parent_close_policy IN ('cancel', 'abandon'));

ALTER TABLE continuum.inbox DROP CONSTRAINT inbox_kind_check;
ALTER TABLE continuum.inbox ADD CONSTRAINT inbox_kind_check CHECK (kind IN (
  'activity_completed', 'activity_failed', 'timer_fired', 'signal_received', 'cancel_requested',
  'child_completed', 'child_failed'));
