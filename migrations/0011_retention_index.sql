-- 0011_retention_index: the index behind retention (Journal.deleteClosedRuns, `continuum cleanup`).
-- Retention deletes whole run trees, found from their roots: runs with no parent that are not a
-- continue-as-new successor, closed before a cutoff. This partial index holds closed roots only,
-- by close time, so a sweep's first step reads the oldest closed roots without scanning open
-- runs or children. A row enters it when its run closes (an update that is not HOT anyway: the
-- status index changes too); open runs' hot updates do not touch it.

CREATE INDEX runs_closed_roots_idx ON continuum.runs (finished_at)
  WHERE parent_run_id IS NULL AND continued_from IS NULL
    AND status IN ('completed', 'failed', 'cancelled', 'continued');
