-- 0003_runs_workflow_id_idx: find a chain by its workflow id without scanning runs. The unique
-- index runs_workflow_id_key only covers runs that were not continued; looking a workflow id
-- up among all runs (the chain's first run, an id nobody holds yet) walked the whole table.

CREATE INDEX runs_workflow_id_idx ON continuum.runs (namespace, workflow_id, created_order);
