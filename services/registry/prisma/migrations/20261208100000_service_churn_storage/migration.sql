-- Storage for a table rewritten on every change (docs/BENCHMARKS.md, "Registry writer").
--
-- A service state of 10 endpoints is about 1.9 KB of JSON: with its row it passes the 2 KB at
-- which PostgreSQL compresses, and pglz (the default) took a fifth of the backends' CPU in the
-- churn benchmark, twice per change (the state, and the outbox payload around it). lz4 compresses
-- the same text several times faster. Smaller rows then leave room on their page, and with half of
-- each page kept free (fillfactor 50) an update can stay on the page (HOT): no new index entries
-- for the two indexes of service, and dead versions are pruned without a vacuum. Together these
-- halved the backends' CPU per change in a micro-benchmark of the writer's and relay's statements.
--
-- fillfactor applies to pages written from now on; compression to values written from now on.
ALTER TABLE "service" SET (fillfactor = 50);

-- lz4 needs PostgreSQL 14 or later, built with lz4 (Debian's and the official images are); where
-- it is missing the default compression stays.
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 140000 THEN
    EXECUTE 'ALTER TABLE "service" ALTER COLUMN "state" SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE "outbox" ALTER COLUMN "payload" SET COMPRESSION lz4';
  END IF;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available: keeping the default compression';
END
$$;
