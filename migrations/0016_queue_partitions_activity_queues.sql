-- 0016: partitioned run queues, and activity tasks routed to named queues.
--
-- Partitioned queues (defineQueue(name, { partitionKey: true })): every start names a partition
-- key and each limit applies per key. dequeueRuns walks the partitions that have due runs.
ALTER TABLE continuum.queues ADD COLUMN partitioned boolean NOT NULL DEFAULT false;
ALTER TABLE continuum.runs ADD COLUMN queue_partition_key text;

-- The backlog and the slots of a partitioned queue, per partition key.
CREATE INDEX runs_queue_partition_idx ON continuum.runs (queue_name, queue_partition_key, queue_priority, created_order)
  WHERE queue_partition_key IS NOT NULL AND finished_at IS NULL;

-- Activity tasks routed to a queue (defineActivity(name, fn, { queue })): claimTasks skips
-- them; claimQueuedTasks claims them under the queue row's lock, counting the running attempts
-- (status running, deadline ahead) after the lock as dequeueRuns counts runs.
ALTER TABLE continuum.tasks ADD COLUMN queue_name text;
CREATE INDEX tasks_queue_idx ON continuum.tasks (queue_name, status, available_at)
  WHERE queue_name IS NOT NULL AND status IN ('pending', 'running');

-- Attempt starts of queues with a rate limit, for the sliding window (a task's own row keeps
-- only its latest attempt's start). Written and pruned under the queue row's lock; at most
-- rate_limit rows per queue survive a claim.
CREATE TABLE continuum.queue_attempt_starts (
  queue_name text NOT NULL,
  started_at timestamptz NOT NULL
);
CREATE INDEX queue_attempt_starts_idx ON continuum.queue_attempt_starts (queue_name, started_at);
