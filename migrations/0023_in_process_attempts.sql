-- 0023: attempts an engine runs in its own process get no task row (issue 18).
--
-- A step that an engine commits for a run it keeps in its sticky cache used to insert each new
-- activity call as a task row claimed by that engine, and the step that delivered the result
-- updated the row again: two row versions and six index entries per activity call, a third of
-- what a 3-step workflow wrote. Such an attempt is now recorded by its `activity_scheduled`
-- event only, and the run row counts how many of them are running (`in_process_attempts`).
-- The count is not indexed, so the step's update of the run row stays HOT. An engine that claims
-- a run whose count is not zero, and does not run those attempts itself (their engine died or
-- lost the run), writes their task rows as abandoned attempts (`reissueAttempts`), so they are
-- retried as a dead engine's attempts always were. An attempt that needs a row while it runs (a
-- retry, a heartbeat, a timeout, a hand-back at shutdown, or one running longer than a third of
-- the engine's lease) gets it first (`persistAttempts`), which takes it off the count.
ALTER TABLE continuum.runs ADD COLUMN in_process_attempts integer NOT NULL DEFAULT 0;

-- A run whose in-process attempts lost their engine has nothing else that would wake it (no task
-- row reaches its deadline), so the timer wheel makes it ready once its lease is over
-- (wake-lost-attempts.ts). This index holds just the runs with attempts running in-process. Its
-- key never changes and a step that keeps the count (one activity after another) changes no
-- indexed value, so such steps stay HOT; a step that takes the count from zero or to zero is not.
CREATE INDEX runs_in_process_idx ON continuum.runs (created_order) WHERE in_process_attempts > 0;
