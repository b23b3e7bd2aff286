-- 0020_runs_run_id_key: one index on runs.run_id instead of two. runs_pkey (default collation)
-- served equality lookups and foreign keys, runs_run_id_prefix_idx (text_pattern_ops, 0009) the
-- inspector's byte-wise id prefix; every non-HOT run update wrote an entry into both. A unique
-- text_pattern_ops index serves all of it: `=` is in the text_pattern_ops operator family (so
-- lookups by id, foreign keys and ON CONFLICT inference use it), and the prefix range is its
-- ordering. PostgreSQL only accepts a default-opclass index as a PRIMARY KEY, so run_id is kept
-- unique and NOT NULL by this index and the column constraint, and the table's replica identity
-- (logical replication) is set to the index explicitly. The five foreign keys that referenced
-- runs_pkey are dropped and added again on the new index (a validating scan of each table).

ALTER TABLE continuum.inbox DROP CONSTRAINT inbox_run_id_fkey;
ALTER TABLE continuum.tasks DROP CONSTRAINT tasks_run_id_fkey;
ALTER TABLE continuum.timers DROP CONSTRAINT timers_run_id_fkey;
ALTER TABLE continuum.signal_deliveries DROP CONSTRAINT signal_deliveries_run_id_fkey;
ALTER TABLE continuum.history_snapshots DROP CONSTRAINT history_snapshots_run_id_fkey;

ALTER TABLE continuum.runs DROP CONSTRAINT runs_pkey;
ALTER TABLE continuum.runs ALTER COLUMN run_id SET NOT NULL;
DROP INDEX continuum.runs_run_id_prefix_idx;
CREATE UNIQUE INDEX runs_run_id_key ON continuum.runs (run_id text_pattern_ops);
ALTER TABLE continuum.runs REPLICA IDENTITY USING INDEX runs_run_id_key;

ALTER TABLE continuum.inbox ADD CONSTRAINT inbox_run_id_fkey
  FOREIGN KEY (run_id) REFERENCES continuum.runs (run_id) ON DELETE CASCADE;
ALTER TABLE continuum.tasks ADD CONSTRAINT tasks_run_id_fkey
  FOREIGN KEY (run_id) REFERENCES continuum.runs (run_id) ON DELETE CASCADE;
ALTER TABLE continuum.timers ADD CONSTRAINT timers_run_id_fkey
  FOREIGN KEY (run_id) REFERENCES continuum.runs (run_id) ON DELETE CASCADE;
ALTER TABLE continuum.signal_deliveries ADD CONSTRAINT signal_deliveries_run_id_fkey
  FOREIGN KEY (run_id) REFERENCES continuum.runs (run_id) ON DELETE CASCADE;
ALTER TABLE continuum.history_snapshots ADD CONSTRAINT history_snapshots_run_id_fkey
  FOREIGN KEY (run_id) REFERENCES continuum.runs (run_id) ON DELETE CASCADE;
