-- CreateTable
CREATE TABLE "cluster_lease" (
    "cluster" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "renewed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_lease_pkey" PRIMARY KEY ("cluster")
);
