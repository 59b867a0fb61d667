-- A log of the address plan's changes (issue 10, 5: "with 100,000 allocations in one pool it must
-- stay fast"). Every replica used to re-read the whole plan on every NOTIFY ipam_plan and after
-- every write through its API; now it reads the plan whole once (at start, after its LISTEN
-- connection came back, or when the log has a gap) and then only the rows of plan_change above
-- the revision it applied. Written by hand (triggers are beyond Prisma's schema language).
--
-- Revisions rise in commit order. Every statement that changes pools or allocations raises
-- plan_revision by one in an AFTER STATEMENT trigger, and writes its rows here under the new
-- value, with an ordinal per row (1, 2, ... within the statement). The UPDATE of plan_revision's
-- single row holds that row's lock until the writing transaction ends, so:
--   * a second writer's UPDATE waits for the first writer's transaction to end; under READ
--     COMMITTED it then re-reads the committed row (EvalPlanQual) and takes the next value, so
--     a later revision always belongs to a transaction that commits later (a writer at
--     REPEATABLE READ or above fails with 40001 instead, and nothing is written);
--   * PostgreSQL makes a transaction visible (ProcArrayEndTransaction) before it releases its
--     locks, so any snapshot that sees revision r + 1 also sees r: a reader never sees a later
--     revision with an earlier one missing, which is what lets it ask for "revision > applied";
--   * a transaction that rolls back rolls its UPDATE back too: the next writer takes the same
--     value, so revisions have no holes (unlike a sequence). A statement that changes no row
--     takes no revision. Every revision therefore has at least one row here, and a replica that
--     finds a revision missing between the one it applied and plan_revision knows the log was
--     pruned past it (or truncated): it reads the plan whole.
-- The bump is in an AFTER STATEMENT trigger, as before, so plan_revision stays the last lock a
-- plan write takes (after the foreign key's share lock on the pool, and any pool lock a BEFORE
-- trigger takes): a row-level trigger taking it on the first row would make two writers that
-- lock the same pool in turn able to deadlock. Transition tables (REFERENCING) give the statement
-- trigger every changed row; they allow one event per trigger, hence a trigger per event.
--
-- NOTIFY ipam_plan stays a wake-up: its payload is the revision (far below NOTIFY's 8000 bytes),
-- which a receiver may use as a hint but never needs. PostgreSQL folds identical notifications of
-- one transaction, so a transaction of many statements sends one per revision.
--
-- "at" is the writing transaction's start (now()), the same for every row of one revision, so
-- pruning by age ("at" older than PLAN_CHANGE_RETENTION_MS, by any replica) removes revisions
-- whole. A long transaction's rows may be older than rows of lower revisions; pruning them leaves
-- a hole, which a replica behind it sees as a gap like any other.

-- CreateTable
CREATE TABLE "plan_change" (
    "revision" BIGINT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "relation" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    -- pool rows: the pool's name; allocation rows: the allocation's pool
    "pool" TEXT,
    "allocation_id" INTEGER,
    "cluster" TEXT,
    "purpose" TEXT,
    "cidr" cidr,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "plan_change_pkey" PRIMARY KEY ("revision", "ordinal"),
    CONSTRAINT "plan_change_relation_check" CHECK ("relation" IN ('pool', 'allocation')),
    CONSTRAINT "plan_change_op_check" CHECK ("op" IN ('insert', 'update', 'delete', 'truncate'))
);

-- CreateIndex
CREATE INDEX "plan_change_at_idx" ON "plan_change"("at");

-- The statement triggers of 20261122010000_validation (raising plan_revision since
-- 20261125010000_plan_revision) give way to the ones below.
DROP TRIGGER "pool_plan_change" ON "pool";
DROP TRIGGER "allocation_plan_change" ON "allocation";
DROP FUNCTION "ipam_notify_plan_change"();

-- CreateFunction
-- Raises plan_revision and notifies; returns the new revision, or NULL when the statement
-- changed no row (and so takes no revision).
CREATE FUNCTION "ipam_next_plan_revision"(changed BOOLEAN) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    raised BIGINT;
BEGIN
    IF NOT changed THEN
        RETURN NULL;
    END IF;
    UPDATE "plan_revision" SET "revision" = "revision" + 1 RETURNING "revision" INTO raised;
    PERFORM pg_notify('ipam_plan', raised::text);
    RETURN raised;
END
$$;

-- CreateFunction
-- An UPDATE is paired by primary key: a row that kept its key is an 'update', one whose key
-- changed is a 'delete' of the old key and an 'insert' of the new.
CREATE FUNCTION "ipam_record_pool_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r BIGINT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        r := "ipam_next_plan_revision"(true);
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op") VALUES (r, 1, 'pool', 'truncate');
    ELSIF TG_OP = 'INSERT' THEN
        r := "ipam_next_plan_revision"(EXISTS (SELECT 1 FROM new_rows));
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op", "pool", "cidr")
        SELECT r, row_number() OVER (), 'pool', 'insert', n."name", n."cidr" FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        r := "ipam_next_plan_revision"(EXISTS (SELECT 1 FROM old_rows));
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op", "pool", "cidr")
        SELECT r, row_number() OVER (), 'pool', 'delete', o."name", o."cidr" FROM old_rows o;
    ELSE
        r := "ipam_next_plan_revision"(EXISTS (SELECT 1 FROM new_rows));
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op", "pool", "cidr")
        SELECT r, row_number() OVER (ORDER BY c.op_order), 'pool', c.op, c."name", c."cidr"
          FROM (SELECT o."name", o."cidr", 'delete' AS op, 0 AS op_order
                  FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n."name" = o."name")
                UNION ALL
                SELECT n."name", n."cidr",
                       CASE WHEN EXISTS (SELECT 1 FROM old_rows o WHERE o."name" = n."name")
                            THEN 'update' ELSE 'insert' END,
                       1
                  FROM new_rows n) c;
    END IF;
    RETURN NULL;
END
$$;

-- CreateFunction
CREATE FUNCTION "ipam_record_allocation_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r BIGINT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        r := "ipam_next_plan_revision"(true);
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op") VALUES (r, 1, 'allocation', 'truncate');
    ELSIF TG_OP = 'INSERT' THEN
        r := "ipam_next_plan_revision"(EXISTS (SELECT 1 FROM new_rows));
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op", "pool", "allocation_id", "cluster", "purpose", "cidr")
        SELECT r, row_number() OVER (), 'allocation', 'insert', n."pool", n."id", n."cluster", n."purpose", n."cidr"
          FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        r := "ipam_next_plan_revision"(EXISTS (SELECT 1 FROM old_rows));
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op", "pool", "allocation_id", "cluster", "purpose", "cidr")
        SELECT r, row_number() OVER (), 'allocation', 'delete', o."pool", o."id", o."cluster", o."purpose", o."cidr"
          FROM old_rows o;
    ELSE
        r := "ipam_next_plan_revision"(EXISTS (SELECT 1 FROM new_rows));
        INSERT INTO "plan_change" ("revision", "ordinal", "relation", "op", "pool", "allocation_id", "cluster", "purpose", "cidr")
        SELECT r, row_number() OVER (ORDER BY c.op_order), 'allocation', c.op, c."pool", c."id", c."cluster", c."purpose", c."cidr"
          FROM (SELECT o."pool", o."id", o."cluster", o."purpose", o."cidr", 'delete' AS op, 0 AS op_order
                  FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n."id" = o."id")
                UNION ALL
                SELECT n."pool", n."id", n."cluster", n."purpose", n."cidr",
                       CASE WHEN EXISTS (SELECT 1 FROM old_rows o WHERE o."id" = n."id")
                            THEN 'update' ELSE 'insert' END,
                       1
                  FROM new_rows n) c;
    END IF;
    RETURN NULL;
END
$$;

-- CreateTrigger
CREATE TRIGGER "pool_plan_insert" AFTER INSERT ON "pool" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_pool_change"();
CREATE TRIGGER "pool_plan_update" AFTER UPDATE ON "pool" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_pool_change"();
CREATE TRIGGER "pool_plan_delete" AFTER DELETE ON "pool" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_pool_change"();
CREATE TRIGGER "pool_plan_truncate" AFTER TRUNCATE ON "pool"
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_pool_change"();
CREATE TRIGGER "allocation_plan_insert" AFTER INSERT ON "allocation" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_allocation_change"();
CREATE TRIGGER "allocation_plan_update" AFTER UPDATE ON "allocation" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_allocation_change"();
CREATE TRIGGER "allocation_plan_delete" AFTER DELETE ON "allocation" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_allocation_change"();
CREATE TRIGGER "allocation_plan_truncate" AFTER TRUNCATE ON "allocation"
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_record_allocation_change"();
