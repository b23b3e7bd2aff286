-- 0023: attempts an engine runs in its own process get no task row (issue 18).
--
-- A step that an engine commits for a run it keeps in its sticky cache used to insert each new
-- activity call as a task row claimed by that engine, and the step that delivered the result
-- updated the row again: two row versions and six index entries per activity call, a third of
-- what a 3-step workflow wrote. Such an attempt is now recorded by its `activity_scheduled`
-- event only, and the run row lists the calls whose attempts run that way (`in_process_calls`,
-- identities; NULL when none). A step that finishes one must find it listed (else the attempt
-- was persisted or re-issued meanwhile, and the step is refused). An engine that claims a run
-- with calls listed that it does not run itself (their engine died or lost the run) writes their
-- task rows as abandoned attempts (`reissueAttempts`), so they are retried as a dead engine's
-- attempts always were. An attempt that needs a row while it runs (a retry, a heartbeat, a
-- timeout, a hand-back at shutdown, or one running longer than a third of the engine's lease)
-- gets it first (`persistAttempts`), which takes it off the list.
ALTER TABLE continuum.runs ADD COLUMN in_process_calls text[];

-- A run whose in-process attempts lost their engine has nothing else that would wake it (no task
-- row reaches its deadline), so the timer wheel makes it ready once its lease is over
-- (wake-lost-attempts.ts), through this index of just the runs with calls listed. The list
-- itself is in no index: PostgreSQL counts a column of an index predicate as indexed, and a
-- step that changes the list (a fan-out, a fan-in) would lose its HOT update. The index reads
-- `has_in_process` instead, which a step changes only when the list goes from empty to not
-- empty or back; the steps of one activity after another keep it true and stay HOT.
ALTER TABLE continuum.runs ADD COLUMN has_in_process boolean NOT NULL DEFAULT false;
CREATE INDEX runs_in_process_idx ON continuum.runs (created_order) WHERE has_in_process;
