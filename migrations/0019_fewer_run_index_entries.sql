-- 0019_fewer_run_index_entries: fewer index entries per run. A run row is updated without HOT
-- twice in its life (the first step clears ready_since/not_before, the close sets status and
-- finished_at), and a non-HOT update inserts an entry into every index on runs (a partial index
-- only when the new row matches its predicate), so each index costs three entries per run.
--
-- runs_workflow_id_idx (namespace, workflow_id, created_order) and runs_workflow_id_prefix_idx
-- (workflow_id text_pattern_ops) become one index: text_pattern_ops serves `=` as well as the
-- byte-wise prefix range, and with the workflow id first the same index serves the lookup by
-- namespace and id newest first (getRunByWorkflowId) and the inspector's id prefix, with or
-- without a namespace.
--
-- runs_chain_idx holds successors only (chain_id <> run_id): a run that was not continued from
-- another is its own chain's first run, reached by its primary key. Retention grows a tree from
-- its root plus the root's successors (delete-closed-runs.ts).

DROP INDEX continuum.runs_workflow_id_prefix_idx;
DROP INDEX continuum.runs_workflow_id_idx;
CREATE INDEX runs_workflow_id_idx ON continuum.runs (workflow_id text_pattern_ops, namespace, created_order);

DROP INDEX continuum.runs_chain_idx;
CREATE INDEX runs_chain_idx ON continuum.runs (chain_id) WHERE chain_id <> run_id;
