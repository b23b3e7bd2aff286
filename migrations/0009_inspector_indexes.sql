-- 0009_inspector_indexes: indexes for the read model's runs page (journal/sql/inspect).
-- An id search is a prefix of a run id or of a workflow id, written as a byte-wise range
-- (`~>=~` / `~<~`) that text_pattern_ops indexes serve whatever the database's collation and
-- with a bound parameter (a generic plan), so finding a run by the first characters of its id
-- does not scan the table. A workflow-name filter walks runs_workflow_name_idx newest first
-- instead of filtering runs_order_idx, which matters when the name is rare. None of these
-- columns ever changes after insert, so run updates stay HOT; a start writes three more index
-- entries.

CREATE INDEX runs_run_id_prefix_idx ON continuum.runs (run_id text_pattern_ops);

CREATE INDEX runs_workflow_id_prefix_idx ON continuum.runs (workflow_id text_pattern_ops);

CREATE INDEX runs_workflow_name_idx ON continuum.runs (workflow_name, created_order DESC);
