import type { Sql } from '@isthmus/service-kit';

/**
 * Cluster leases in Postgres: the replica that holds a cluster's lease runs its source. Acquire
 * and renew are one statement (the row is taken when free, expired, or already ours), with the
 * database's clock, so a replica that stops renewing (killed, partitioned) loses its clusters to
 * another one `ttlMs` later at the latest. Not a consensus of our own: Postgres serializes it.
 */
export async function acquireOrRenew(
  sql: Sql,
  cluster: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const rows = await sql.query<{ owner: string }>(
    `INSERT INTO cluster_lease AS l (cluster, owner, expires_at, renewed_at)
     VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000), now())
     ON CONFLICT (cluster) DO UPDATE
       SET owner = excluded.owner, expires_at = excluded.expires_at, renewed_at = excluded.renewed_at
       WHERE l.owner = excluded.owner OR l.expires_at < now()
     RETURNING owner`,
    [cluster, owner, ttlMs],
  );
  return rows.length === 1;
}

export async function release(sql: Sql, cluster: string, owner: string): Promise<void> {
  await sql.execute('DELETE FROM cluster_lease WHERE cluster = $1 AND owner = $2', [cluster, owner]);
}

/** Leases of clusters that no longer exist. */
export async function dropOrphanLeases(sql: Sql): Promise<number> {
  return sql.execute(
    'DELETE FROM cluster_lease l WHERE NOT EXISTS (SELECT 1 FROM cluster c WHERE c.id = l.cluster)',
  );
}
