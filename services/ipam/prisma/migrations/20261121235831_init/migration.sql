-- The address plan (DESIGN.md, "IPAM semantics"). Written by hand: Prisma has no cidr type
-- (Unsupported("cidr") in schema.prisma) and no exclusion constraints.
--
-- Overlap is impossible by construction, not only by checks: each table has a GiST exclusion
-- constraint over its cidr column (inet_ops answers "&&", overlaps, for IPv4 and IPv6 alike, and
-- prefixes of different families never overlap). Of two concurrent inserts of overlapping
-- prefixes, from any replica, the second waits for the first to commit and then fails with
-- SQLSTATE 23P01 (exclusion_violation).

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "pool" (
    "name" TEXT NOT NULL,
    "cidr" cidr NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pool_pkey" PRIMARY KEY ("name"),
    CONSTRAINT "pool_cidr_excl" EXCLUDE USING gist ("cidr" inet_ops WITH &&)
);

-- CreateTable
-- "pool_cidr" repeats the pool's prefix so that containment is a constraint too: the foreign key
-- ties it to the pool's row and the check keeps the allocation inside it. One exclusion
-- constraint across all pools is enough, since pools do not overlap either.
CREATE TABLE "allocation" (
    "id" SERIAL NOT NULL,
    "pool" TEXT NOT NULL,
    "pool_cidr" cidr NOT NULL,
    "cluster" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "cidr" cidr NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allocation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "allocation_purpose_check" CHECK ("purpose" IN ('pods', 'services', 'load-balancers')),
    CONSTRAINT "allocation_inside_pool_check" CHECK ("cidr" <<= "pool_cidr"),
    CONSTRAINT "allocation_cidr_excl" EXCLUDE USING gist ("cidr" inet_ops WITH &&)
);

-- CreateIndex
CREATE UNIQUE INDEX "pool_name_cidr_key" ON "pool"("name", "cidr");

-- CreateIndex
CREATE INDEX "allocation_cluster_idx" ON "allocation"("cluster");

-- AddForeignKey
-- RESTRICT both ways: a pool with allocations can be neither deleted nor given another prefix.
ALTER TABLE "allocation" ADD CONSTRAINT "allocation_pool_pool_cidr_fkey" FOREIGN KEY ("pool", "pool_cidr") REFERENCES "pool"("name", "cidr") ON DELETE RESTRICT ON UPDATE RESTRICT;
