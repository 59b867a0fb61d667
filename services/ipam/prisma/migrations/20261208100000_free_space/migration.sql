-- The free space of every pool, kept beside its allocations (issue 10, 5): "the next free /N"
-- becomes an indexed lookup instead of a read of every allocation of the pool. Written by hand,
-- like the migrations before it (cidr columns, an exclusion constraint, triggers).
--
-- A pool's free space is held as its maximal free aligned blocks, as a buddy allocator holds it:
-- a block is listed when all of it is free and its parent (the block one bit shorter that holds
-- it) is not. These blocks are exactly the fewest CIDR blocks that cover each gap between
-- allocations (core/space: freeRanges + rangePrefixes, which the tests compare them with), so the
-- state is a function of the allocations alone, whatever order they came and went in.
--
-- The lowest free aligned /N of a pool is then the base of its lowest listed block of length N or
-- shorter: any free /N lies inside one listed block of length <= N, and such a block's first /N
-- is free. One index probe per length from the pool's to N finds it (at most 129 for IPv6).
--
-- Triggers on allocation keep the blocks in step, in the transaction that writes the allocation,
-- for every writer (the service, a replica, a script): a new allocation splits the block that
-- holds it, a released one merges back with its free buddies. Every write of a pool's allocations
-- first takes the pool's row lock (FOR NO KEY UPDATE, as next-free searches always did), so the
-- writes of one pool take turns and each sees the blocks its predecessor left.

-- CreateTable
-- Derived state: the allocations' exclusion constraint stays what makes overlap impossible. No
-- exclusion constraint here: a GiST index cost more per split than the split itself and slowed
-- down with the dead entries that splits and merges leave; the tests check that blocks are
-- disjoint and match the allocations. Deleting a pool deletes its free space.
CREATE TABLE "free_block" (
    "pool" TEXT NOT NULL,
    "cidr" cidr NOT NULL,

    CONSTRAINT "free_block_pkey" PRIMARY KEY ("pool", "cidr")
);

-- CreateIndex
-- Next-free: the lowest block of one length in one pool (ORDER BY cidr is address order for
-- blocks of one length; of disjoint blocks of any lengths too).
CREATE INDEX "free_block_pool_length_cidr_idx" ON "free_block" ("pool", masklen("cidr"), "cidr");

-- AddForeignKey
ALTER TABLE "free_block" ADD CONSTRAINT "free_block_pool_fkey" FOREIGN KEY ("pool") REFERENCES "pool"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateFunction
-- The other half of the block's parent: the block with the last bit of its prefix flipped.
CREATE FUNCTION "ipam_buddy"(block cidr) RETURNS cidr LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN set_masklen(parent, masklen(block)) = block
            -- block is the lower half: the upper one has the bit below the parent's prefix set.
            THEN set_masklen(parent::inet | (hostmask(parent) & ~hostmask(block)), masklen(block))::cidr
        ELSE set_masklen(parent, masklen(block))
    END
    FROM (SELECT set_masklen(block, masklen(block) - 1) AS parent) AS p
$$;

-- CreateFunction
-- The fewest CIDR blocks that cover the addresses first..last (inet host values of one family),
-- lowest first: at each address the shortest prefix aligned there that ends by `last`, as
-- core/space/address-range.ts rangePrefixes() does. `shortest` is where the search starts (the
-- pool's length: no block of the range is longer than its pool).
CREATE FUNCTION "ipam_range_blocks"(first inet, last inet, shortest int) RETURNS SETOF cidr LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    bits int := CASE family(first) WHEN 4 THEN 32 ELSE 128 END;
    at inet := set_masklen(first, bits);
    len int;
    block cidr;
BEGIN
    last := set_masklen(last, bits);
    LOOP
        len := shortest;
        LOOP
            block := set_masklen(at, len)::cidr;
            EXIT WHEN set_masklen(block::inet, bits) = at AND set_masklen(broadcast(block), bits) <= last;
            len := len + 1;
        END LOOP;
        RETURN NEXT block;
        EXIT WHEN set_masklen(broadcast(block), bits) = last;
        at := set_masklen(broadcast(block), bits) + 1;
    END LOOP;
END
$$;

-- CreateFunction
-- The maximal free aligned blocks of a pool, read from its allocations: the gaps between them in
-- address order (one sorted pass), each cut into its fewest CIDR blocks. Builds the free space of
-- the pools that exist (below); the tests compare it with the table.
CREATE FUNCTION "ipam_free_blocks_from_allocations"(pool_name text) RETURNS SETOF cidr LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    whole cidr;
    bits int;
    pool_last inet;
    at inet; -- the first address not yet accounted for
    taken cidr;
BEGIN
    SELECT cidr INTO whole FROM "pool" WHERE name = pool_name;
    IF whole IS NULL THEN
        RETURN;
    END IF;
    bits := CASE family(whole) WHEN 4 THEN 32 ELSE 128 END;
    pool_last := set_masklen(broadcast(whole), bits);
    at := set_masklen(whole::inet, bits);
    FOR taken IN SELECT a.cidr FROM "allocation" a WHERE a.pool = pool_name ORDER BY a.cidr LOOP
        IF at < set_masklen(taken::inet, bits) THEN
            RETURN QUERY SELECT ipam_range_blocks(at, set_masklen(taken::inet, bits) - 1, masklen(whole));
        END IF;
        IF set_masklen(broadcast(taken), bits) = pool_last THEN
            RETURN; -- the last allocation ends the pool (and + 1 could run past the address space)
        END IF;
        at := set_masklen(broadcast(taken), bits) + 1;
    END LOOP;
    RETURN QUERY SELECT ipam_range_blocks(at, pool_last, masklen(whole));
END
$$;

-- CreateFunction
-- BEFORE INSERT, UPDATE or DELETE of an allocation: the pool's row lock, before the row is
-- written, so that a write never holds an allocation row (or waits on one, in the exclusion
-- check) while it waits for the pool: the pool always comes first, no deadlock.
CREATE FUNCTION "ipam_lock_pool_of_allocation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM "pool" WHERE name = OLD.pool FOR NO KEY UPDATE;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM "pool" WHERE name = NEW.pool FOR NO KEY UPDATE;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;

-- CreateFunction
-- AFTER a row's write (its exclusion check passed): the released prefix merges with its free
-- buddies, up to the pool's length; the new prefix is cut out of the free block that holds it,
-- which leaves one free block per length between the two (the buddies along the way down).
CREATE FUNCTION "ipam_follow_allocation"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    block cidr;
    holder cidr;
    len int;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        block := OLD.cidr;
        WHILE masklen(block) > masklen(OLD.pool_cidr) LOOP
            DELETE FROM "free_block" WHERE pool = OLD.pool AND cidr = ipam_buddy(block);
            EXIT WHEN NOT FOUND;
            block := set_masklen(block, masklen(block) - 1);
        END LOOP;
        INSERT INTO "free_block" (pool, cidr) VALUES (OLD.pool, block);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        -- The holder is one of the prefix's ancestors (itself included), usually a near one: one
        -- primary-key probe per length, upwards. Plain equality, so that the plan does not depend
        -- on statistics (a plan made while the table was small must not scan it once it is big).
        FOR len IN REVERSE masklen(NEW.cidr)..masklen(NEW.pool_cidr) LOOP
            DELETE FROM "free_block" WHERE pool = NEW.pool AND cidr = set_masklen(NEW.cidr, len)
            RETURNING cidr INTO holder;
            EXIT WHEN FOUND;
        END LOOP;
        IF holder IS NULL THEN
            -- The exclusion constraint let the row in, so its space was free: the blocks are wrong.
            RAISE EXCEPTION 'the free space of pool % has no block that holds %', NEW.pool, NEW.cidr
                USING HINT = 'rebuild it from ipam_free_blocks_from_allocations(pool)';
        END IF;
        block := NEW.cidr;
        WHILE masklen(block) > masklen(holder) LOOP
            INSERT INTO "free_block" (pool, cidr) VALUES (NEW.pool, ipam_buddy(block));
            block := set_masklen(block, masklen(block) - 1);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

-- CreateFunction
-- TRUNCATE allocation frees every pool whole.
CREATE FUNCTION "ipam_free_all_pools"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM "free_block";
    INSERT INTO "free_block" (pool, cidr) SELECT name, cidr FROM "pool";
    RETURN NULL;
END
$$;

-- CreateFunction
-- A new pool is one free block. A pool's prefix changes only while it has no allocations (the
-- allocations' foreign key is ON UPDATE RESTRICT), so it is then one free block again.
CREATE FUNCTION "ipam_follow_pool"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM "free_block" WHERE pool IN (OLD.name, NEW.name);
    END IF;
    INSERT INTO "free_block" (pool, cidr) VALUES (NEW.name, NEW.cidr);
    RETURN NULL;
END
$$;

-- CreateTrigger
-- Row triggers fire in name order: these come after the plan-change statement triggers anyway.
CREATE TRIGGER "allocation_lock_pool" BEFORE INSERT OR UPDATE OF pool, cidr, pool_cidr OR DELETE ON "allocation"
    FOR EACH ROW EXECUTE FUNCTION "ipam_lock_pool_of_allocation"();
CREATE TRIGGER "allocation_free_space" AFTER INSERT OR UPDATE OF pool, cidr, pool_cidr OR DELETE ON "allocation"
    FOR EACH ROW EXECUTE FUNCTION "ipam_follow_allocation"();
CREATE TRIGGER "allocation_truncate_free_space" AFTER TRUNCATE ON "allocation"
    FOR EACH STATEMENT EXECUTE FUNCTION "ipam_free_all_pools"();
CREATE TRIGGER "pool_free_space" AFTER INSERT OR UPDATE OF name, cidr ON "pool"
    FOR EACH ROW EXECUTE FUNCTION "ipam_follow_pool"();

-- Backfill: the free space of the pools that exist, from their allocations.
INSERT INTO "free_block" (pool, cidr)
SELECT p.name, f.block FROM "pool" p CROSS JOIN LATERAL ipam_free_blocks_from_allocations(p.name) AS f(block);
