-- 0008_task_cancel_requested: an activity attempt hears that its call was withdrawn on any
-- engine. A step that cancels a call whose attempt is running (a cancelled scope, a cancelled
-- run) cannot stop it; it marks the task instead, and the attempt's engine reads the mark in
-- the answer to its next heartbeat flush (heartbeatTasks), then aborts the activity's signal.
-- The engine's attempt lease (an engine renewing all of its attempts in that same flush) needs
-- no column: it moves the attempt's deadline, which already fences and re-claims attempts.

ALTER TABLE continuum.tasks ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
