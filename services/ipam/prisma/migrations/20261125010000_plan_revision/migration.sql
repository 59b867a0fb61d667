-- A revision of the address plan (issue 10, 7: read-your-writes). Every statement that changes a
-- pool or an allocation raises it, in the trigger that also NOTIFYs ipam_plan. The row lock it
-- takes is held until the writing transaction ends, so revisions rise in commit order. A replica
-- reads the plan and its revision in one snapshot, and applies a read only when its revision is
-- above the one it applied: the read that answers a write through this replica's own API and a
-- read started by an earlier notification may finish in either order, and an older snapshot
-- never rolls back a newer one. Written by hand (a trigger function is beyond Prisma's schema
-- language).

-- CreateTable
CREATE TABLE "plan_revision" (
    "id" BOOLEAN NOT NULL DEFAULT true,
    "revision" BIGINT NOT NULL,

    CONSTRAINT "plan_revision_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "plan_revision_one_row_check" CHECK ("id")
);
INSERT INTO "plan_revision" ("id", "revision") VALUES (true, 1);

-- CreateFunction
CREATE OR REPLACE FUNCTION "ipam_notify_plan_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "plan_revision" SET "revision" = "revision" + 1;
    PERFORM pg_notify('ipam_plan', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
