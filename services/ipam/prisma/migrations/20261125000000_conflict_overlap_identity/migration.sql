-- A conflict's identity is its overlap (issue 10, 6): the pair of blocks, whichever of them is
-- kept. While a conflict is open no second row can exist for the same two blocks, whatever
-- replica or restart records it (INSERT ... ON CONFLICT returns the open row). The first index
-- keyed the open row on both blocks' first sightings and roles too, so a record that differed in
-- either (a row left open by a publisher that died, a clear written after a reopen) let a second
-- id in for the same overlap. Written by hand: generated columns and partial unique indexes are
-- beyond Prisma's schema language.

-- AlterTable
-- "<cluster>/<cidr> <cluster>/<cidr>", the lower block key first (byte order: COLLATE "C"), the
-- same text for both roles.
ALTER TABLE "conflict" ADD COLUMN "overlap" TEXT GENERATED ALWAYS AS (
    LEAST(("kept_cluster" || '/' || "kept_cidr"::text) COLLATE "C", ("excluded_cluster" || '/' || "excluded_cidr"::text) COLLATE "C")
    || ' ' ||
    GREATEST(("kept_cluster" || '/' || "kept_cidr"::text) COLLATE "C", ("excluded_cluster" || '/' || "excluded_cidr"::text) COLLATE "C")
) STORED;

-- A database that holds more than one open row for an overlap (only the old index allowed it):
-- the latest stays open, the others are cleared; the next publisher's reconcile settles the rest.
UPDATE "conflict" c SET "cleared_at" = GREATEST(c."since", now())
 WHERE c."cleared_at" IS NULL
   AND EXISTS (SELECT 1 FROM "conflict" o
                WHERE o."cleared_at" IS NULL AND o."overlap" = c."overlap" AND o."id" > c."id");

-- DropIndex
DROP INDEX "conflict_open_parties_key";

-- CreateIndex
CREATE UNIQUE INDEX "conflict_open_overlap_key" ON "conflict" ("overlap") WHERE "cleared_at" IS NULL;
