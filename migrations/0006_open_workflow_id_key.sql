-- 0006_open_workflow_id_key: a workflow id may start a new run after its earlier runs closed
-- (WorkflowIdReusePolicy, default allowAfterClosed, as Temporal). The unique index now covers
-- only open runs: at most one running run per (namespace, workflow_id) at a time, which is what
-- decides two concurrent starts with the same id (the loser's ON CONFLICT DO NOTHING waits for
-- the winner's commit and yields). Closed runs with the id stay, found newest first through
-- runs_workflow_id_idx (0003). Policies that look at closed runs (reject, allowAfterFailed,
-- terminateExisting) also serialise their starts on a transaction advisory lock (start-run.ts).

CREATE UNIQUE INDEX runs_open_workflow_id_key ON continuum.runs (namespace, workflow_id)
  WHERE status IN ('running', 'stuck_unknown_version');

DROP INDEX continuum.runs_workflow_id_key;
