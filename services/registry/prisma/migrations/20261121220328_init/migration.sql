-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "cluster" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "connection" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'connecting',
    "status_reason" TEXT,
    "last_sync_at" TIMESTAMPTZ(3),
    "asn" BIGINT,
    "labels" JSONB NOT NULL,
    "export_default" BOOLEAN NOT NULL,
    "revision" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "node" (
    "cluster" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "revision" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "node_pkey" PRIMARY KEY ("cluster","name")
);

-- CreateTable
CREATE TABLE "pod_block" (
    "cluster" TEXT NOT NULL,
    "cidr" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "revision" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pod_block_pkey" PRIMARY KEY ("cluster","cidr")
);

-- CreateTable
CREATE TABLE "service" (
    "cluster" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "exported" BOOLEAN NOT NULL,
    "endpoint_count" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "revision" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_pkey" PRIMARY KEY ("cluster","namespace","name")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pod_block_cluster_node_idx" ON "pod_block"("cluster", "node");

-- CreateIndex
CREATE INDEX "service_exported_cluster_idx" ON "service"("exported", "cluster");
