-- 0022: continuum.now() costs nothing per call in production (issue 18).
--
-- Every statement of the journal reads its clock through continuum.now(), often ten or more times
-- (a step's run update, its events, its tasks' deadlines). The 0001 body adds the test clock's
-- offset with a scalar subquery, and PostgreSQL never inlines a SQL function whose body has a
-- subquery: before PostgreSQL 18 every call site of every execution parses, analyses and plans
-- the body again (fmgr_sql). Measured on PostgreSQL 15 with pgbench, a prepared statement with 20
-- call sites: 0.82 ms with the 0001 body, 0.21 ms as plpgsql, 0.05 ms inlined; a profile of the
-- throughput benchmark put the SQL parser (base_yyparse under fmgr_sql) among the server's
-- hottest functions.
--
-- Production never writes continuum.test_clock_offset, so its clock is the plain database clock:
-- a one-expression body, which the planner inlines into each statement (and into each generic
-- plan, which PostgreSQL invalidates if the function is replaced). A test database whose clock
-- was already moved keeps the offset-reading body, so its clock does not jump back.
DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM continuum.test_clock_offset) THEN
    CREATE OR REPLACE FUNCTION continuum.now() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE AS $body$
      SELECT date_trunc('milliseconds', pg_catalog.now())
    $body$;
  END IF;
END
$migration$;

-- The test kit's clock (advanceTestClock) calls this before it writes an offset: it puts the
-- offset-reading body back, once per database. The lock serialises two processes that switch at
-- the same moment (the second finds the body switched and does nothing); it does not conflict
-- with readers of the clock. A body that already reads the offset (this one, or a test's own
-- instrumented clock) is left as it is. A transaction already open in another session keeps the
-- plain clock until it ends (its plans were made with it); the test kit's transactions are short.
CREATE FUNCTION continuum.use_test_clock() RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  LOCK TABLE continuum.test_clock_offset IN SHARE ROW EXCLUSIVE MODE;
  IF position('test_clock_offset' IN (SELECT p.prosrc FROM pg_catalog.pg_proc p
                                      WHERE p.oid = 'continuum.now()'::regprocedure)) = 0 THEN
    EXECUTE $ddl$
      CREATE OR REPLACE FUNCTION continuum.now() RETURNS timestamptz
      LANGUAGE sql STABLE PARALLEL SAFE AS $body$
        SELECT date_trunc('milliseconds', pg_catalog.now())
             + coalesce((SELECT o.offset_ms FROM continuum.test_clock_offset o), 0) * interval '1 millisecond'
      $body$$ddl$;
  END IF;
END
$fn$;
