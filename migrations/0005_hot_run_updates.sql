-- 0005_hot_run_updates: room on each page of the runs table for updated row versions.
--
-- Every step of a run rewrites its row (last_seq, updated_at, the lease), almost always without
-- touching an indexed column. PostgreSQL can then keep the new version on the same page and skip
-- every index (a HOT update), but only if the page has free space; at the default fillfactor
-- (100) pages are packed full, and each step pays an insert into each of the runs indexes (nine,
-- one of them GIN). 70 leaves 30% of each page free for such versions.

ALTER TABLE continuum.runs SET (fillfactor = 70);
