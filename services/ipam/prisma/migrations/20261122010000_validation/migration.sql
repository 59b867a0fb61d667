-- Validation of what clusters use (issue 4): when each pod block was first seen, the conflict
-- records, the revisions of the IPAM's events, and the notification that tells every replica the
-- address plan changed. Written by hand, like the first migration (cidr columns, a partial unique
-- index and a trigger are beyond Prisma's schema language).

-- CreateTable
-- One row per live pod block (the registry's block key: cluster + cidr). Inserted if absent when
-- a block is announced, with the announcing event's time and revision, so every replica and every
-- restart agrees on which of two overlapping blocks is older. Removed by the block's tombstone,
-- unless the row belongs to a later life of the block (first_revision above the tombstone's).
CREATE TABLE "block_first_seen" (
    "cluster" TEXT NOT NULL,
    "cidr" cidr NOT NULL,
    "first_seen" TIMESTAMPTZ(3) NOT NULL,
    "first_revision" BIGINT NOT NULL,

    CONSTRAINT "block_first_seen_pkey" PRIMARY KEY ("cluster", "cidr")
);

-- CreateTable
-- A conflict between two overlapping blocks, from its detection until it clears. `kept` was seen
-- first and keeps its addresses, `excluded` is kept out of routing and DNS. Only the publisher
-- replica writes here.
CREATE TABLE "conflict" (
    "id" BIGSERIAL NOT NULL,
    "kept_cluster" TEXT NOT NULL,
    "kept_cidr" cidr NOT NULL,
    "kept_first_seen" TIMESTAMPTZ(3) NOT NULL,
    "excluded_cluster" TEXT NOT NULL,
    "excluded_cidr" cidr NOT NULL,
    "excluded_first_seen" TIMESTAMPTZ(3) NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "cleared_at" TIMESTAMPTZ(3),

    CONSTRAINT "conflict_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "conflict_cleared_after_since_check" CHECK ("cleared_at" IS NULL OR "cleared_at" >= "since")
);

-- CreateIndex
-- At most one open record per pair of block lives: a publisher that takes over (or restarts)
-- and records the conflicts it sees finds the open rows instead of adding duplicates.
CREATE UNIQUE INDEX "conflict_open_parties_key" ON "conflict"
    ("kept_cluster", "kept_cidr", "kept_first_seen", "excluded_cluster", "excluded_cidr", "excluded_first_seen")
    WHERE "cleared_at" IS NULL;

-- CreateIndex
-- GET /v1/conflicts?cluster=: either party's cluster, in id order.
CREATE INDEX "conflict_kept_cluster_id_idx" ON "conflict" ("kept_cluster", "id");
CREATE INDEX "conflict_excluded_cluster_id_idx" ON "conflict" ("excluded_cluster", "id");

-- CreateSequence
-- Blocks of 2^20 revisions for the IPAM's events ("hi/lo"): a publisher takes a new block from
-- here whenever it becomes the publisher, so revisions increase per subject across publishers.
CREATE SEQUENCE "ipam_event_revision_block" AS BIGINT START WITH 1;

-- CreateFunction
-- Every replica LISTENs on ipam_plan and re-reads the address plan when told: a pool or an
-- allocation written through any replica reaches every replica's validator and lookup index.
-- PostgreSQL delivers the notification when the writing transaction commits, and folds identical
-- notifications of one transaction into one.
CREATE FUNCTION "ipam_notify_plan_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ipam_plan', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

-- CreateTrigger
CREATE TRIGGER "pool_plan_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "pool"
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_notify_plan_change"();
CREATE TRIGGER "allocation_plan_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "allocation"
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_notify_plan_change"();
