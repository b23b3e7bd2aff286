-- 0021: the plain task claim skips tasks routed to a queue (issue 16).
--
-- claimTasks takes only tasks with no queue (queue_name IS NULL) in due order. tasks_due_idx held
-- every due task, so a throttled activity queue's backlog (its due tasks sit at the front: they
-- are the oldest) was read and filtered out by every plain claim: 5,000 rows per claim with a
-- backlog of 5,000 (claim-tasks-plans-pg.test.ts). Due tasks are now indexed in two disjoint
-- partial indexes, so each task still has one due-order entry:
-- - tasks_due_plain_idx: tasks with no queue, in due order (claimTasks);
-- - tasks_queue_idx: tasks routed to a queue, per queue in due order (claimQueuedTasks takes a
--   queue's tasks in due order without a sort; the slot count reads its running ones).
-- Readers over every task (nextDueAt, queueStats) read both.
CREATE INDEX tasks_due_plain_idx ON continuum.tasks (available_at, created_at, task_id)
  WHERE queue_name IS NULL AND status IN ('pending', 'running');
DROP INDEX continuum.tasks_due_idx;
DROP INDEX continuum.tasks_queue_idx;
CREATE INDEX tasks_queue_idx ON continuum.tasks (queue_name, available_at, created_at, task_id)
  WHERE queue_name IS NOT NULL AND status IN ('pending', 'running');
