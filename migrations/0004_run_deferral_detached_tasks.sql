-- 0004_run_deferral_detached_tasks: backoff for runs that cannot be stepped, and tasks that
-- outlive their run.
--
-- runs.not_before: set by releaseRun(lease, { notBeforeMs }) when an engine gives a run back
-- because its code no longer matches the history (drift) or its step failed: claims skip the
-- run until the journal clock passes it, so one broken run cannot keep engines in a
-- claim/release loop nor stay at the head of the ready order. A plain release clears it.
--
-- tasks.detached: an activity the code issued in the step that ended its run, without awaiting
-- it (fire-and-forget). It is claimed and retried although the run is finished; other tasks of
-- a finished run are dropped, as before.

ALTER TABLE continuum.runs ADD COLUMN not_before timestamptz;
ALTER TABLE continuum.tasks ADD COLUMN detached boolean NOT NULL DEFAULT false;
