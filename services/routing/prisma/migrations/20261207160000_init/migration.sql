-- The routing service's own tables (DESIGN.md, "Routing semantics"): the BGP peers (route
-- reflectors) every replica opens sessions to, and the routing policy of each cluster. Written by
-- hand: Prisma has no inet or cidr type (Unsupported(...) in schema.prisma), and CHECK
-- constraints, statement triggers and NOTIFY are beyond its schema language.
--
-- Every replica keeps both tables in memory and must see a change made through any replica's
-- API without a restart: each table's statement trigger raises its revision in config_revision
-- and NOTIFYs routing_<table>. A replica re-reads the table with its revision in one snapshot on
-- a notification, after its LISTEN connection came back (notifications while it was away are
-- lost), and periodically; it passes a read on only when the revision differs from the one it has.

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
-- The checks are the API's rules, kept here too so that no writer can store a peer the
-- speaker would refuse: a host address (no prefix), 4-octet ASNs (RFC 6793), a hold time of 0
-- or at least 3 s (RFC 4271 §4.2), a restart time that fits its 12 bits (RFC 4724 §3), a BGP
-- identifier that is an IPv4 address other than 0.0.0.0 (RFC 4271 §6.2).
CREATE TABLE "peer" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "address" inet NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 179,
    "peer_asn" BIGINT NOT NULL,
    "local_asn" BIGINT NOT NULL,
    "router_id" inet,
    "hold_time_seconds" INTEGER NOT NULL DEFAULT 90,
    "passive" BOOLEAN NOT NULL DEFAULT false,
    "graceful_restart_seconds" INTEGER NOT NULL DEFAULT 120,
    "filter_clusters" TEXT[],
    "filter_prefixes" cidr[],
    "name" TEXT,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "peer_address_host_check" CHECK (masklen("address") = CASE family("address") WHEN 4 THEN 32 ELSE 128 END),
    CONSTRAINT "peer_port_check" CHECK ("port" BETWEEN 1 AND 65535),
    CONSTRAINT "peer_peer_asn_check" CHECK ("peer_asn" BETWEEN 1 AND 4294967295),
    CONSTRAINT "peer_local_asn_check" CHECK ("local_asn" BETWEEN 1 AND 4294967295),
    CONSTRAINT "peer_router_id_check" CHECK (family("router_id") = 4 AND masklen("router_id") = 32 AND "router_id" <> '0.0.0.0'::inet),
    CONSTRAINT "peer_hold_time_check" CHECK ("hold_time_seconds" = 0 OR "hold_time_seconds" BETWEEN 3 AND 65535),
    CONSTRAINT "peer_graceful_restart_check" CHECK ("graceful_restart_seconds" BETWEEN 0 AND 4095)
);

-- CreateIndex
-- One session per address and port; two peers presenting one BGP identifier could not be told
-- apart by the speaker's collision detection (RFC 4271 §6.8).
CREATE UNIQUE INDEX "peer_address_port_key" ON "peer"("address", "port");
CREATE UNIQUE INDEX "peer_router_id_key" ON "peer"("router_id");

-- CreateSequence
-- The tags of clusters that were given none: assigned once, kept (the default communities
-- carry them, and operators filter on them beyond the reflector). 32 bits: the local data part
-- of a large community (RFC 8092).
CREATE SEQUENCE "cluster_tag_seq" AS BIGINT MINVALUE 1 MAXVALUE 4294967295 NO CYCLE;

-- CreateTable
-- A row per cluster routing has seen or an operator configured. NULL lists: the default
-- communities of the tag (src/core/communities.ts); a list, even empty: exactly those.
CREATE TABLE "cluster_policy" (
    "cluster" TEXT NOT NULL,
    "tag" BIGINT NOT NULL,
    "tag_source" TEXT NOT NULL,
    "advertise" BOOLEAN NOT NULL DEFAULT true,
    "communities" TEXT[],
    "large_communities" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_policy_pkey" PRIMARY KEY ("cluster"),
    CONSTRAINT "cluster_policy_tag_check" CHECK ("tag" BETWEEN 1 AND 4294967295),
    CONSTRAINT "cluster_policy_tag_source_check" CHECK ("tag_source" IN ('assigned', 'operator'))
);

-- CreateIndex
CREATE UNIQUE INDEX "cluster_policy_tag_key" ON "cluster_policy"("tag");

-- CreateTable
CREATE TABLE "config_revision" (
    "relation" TEXT NOT NULL,
    "revision" BIGINT NOT NULL,

    CONSTRAINT "config_revision_pkey" PRIMARY KEY ("relation")
);
INSERT INTO "config_revision" ("relation", "revision") VALUES ('peer', 1), ('cluster_policy', 1);

-- CreateFunction
-- The row lock of the UPDATE is held until the writing transaction ends, so revisions rise in
-- commit order; the NOTIFY is delivered at commit, to every listening session.
CREATE OR REPLACE FUNCTION "routing_notify_config_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "relation" = TG_TABLE_NAME;
    PERFORM pg_notify('routing_' || TG_TABLE_NAME, '');
    RETURN NULL;
END
$$;

-- CreateTrigger
CREATE TRIGGER "peer_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "peer"
    FOR EACH STATEMENT EXECUTE FUNCTION "routing_notify_config_change"();
CREATE TRIGGER "cluster_policy_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "cluster_policy"
    FOR EACH STATEMENT EXECUTE FUNCTION "routing_notify_config_change"();
