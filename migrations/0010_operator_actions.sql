-- 0010_operator_actions: the operator audit log. One row per operator action (cancel, terminate,
-- signal, retry, repair) taken through core's operator API (`createOperator`), by the CLI, the
-- Observer or an app: who, what, on which run or workflow, with which parameters (never
-- secrets: callers pass names and payload sizes, not credentials), from where (as the caller
-- reports it), when (journal clock) and how it ended. An action that changes the journal is
-- recorded in the same transaction as the change; a refused or failed action is recorded on
-- its own afterwards. Append-only: nothing updates or deletes rows (retention may, later).
-- No foreign key to runs: an entry outlives the run it names (cleanup) and may name a run id
-- that does not exist (a refused action).

CREATE TABLE continuum.operator_actions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor       text NOT NULL,
  action      text NOT NULL,
  namespace   text,
  run_id      text,
  workflow_id text,
  parameters  json NOT NULL DEFAULT '{}'::json CHECK (json_typeof(parameters) = 'object'),
  origin      json NOT NULL DEFAULT '{}'::json CHECK (json_typeof(origin) = 'object'),
  outcome     text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  error       json,
  result      json,
  at          timestamptz NOT NULL
);

-- Pages of one run's entries and of all entries, newest first (keyset on id).
CREATE INDEX operator_actions_run_idx ON continuum.operator_actions (run_id, id DESC) WHERE run_id IS NOT NULL;
