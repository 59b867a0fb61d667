import type { ClusterStatus } from '@isthmus/contracts';

/** One watch of a source (one resource of one cluster). */
export interface WatchHealth {
  name: string;
  /** Its first complete list has been delivered (client-node's list-then-watch succeeded once). */
  synced: boolean;
  /** When it started failing (errors, restarts with backoff), or null while it is healthy. */
  failingSince: number | null;
  lastError: string | null;
}

export interface HealthPolicy {
  /** A watch failing for longer than this makes the cluster degraded. */
  degradedAfterMs: number;
  /** Failing for longer than this makes it lost: consumers stop using what it had. */
  lostAfterMs: number;
}

/**
 * A cluster's status from its watches (pure): connecting until every watch has synced once,
 * synced while they are all healthy, degraded when one has been failing for a while (what we had
 * stays), lost when one has been failing longer than the lease. A cluster never synced stays
 * connecting until it is lost.
 */
export function clusterHealth(
  now: number,
  watches: readonly WatchHealth[],
  policy: HealthPolicy,
): { status: ClusterStatus; reason: string | null } {
  const failing = watches.filter((w) => w.failingSince !== null);
  const oldest = failing.reduce<WatchHealth | null>(
    (a, w) => (!a || w.failingSince! < a.failingSince! ? w : a),
    null,
  );
  const failingFor = oldest ? now - oldest.failingSince! : 0;
  const why = oldest
    ? `${oldest.name}: ${oldest.lastError ?? 'failing'} (for ${Math.round(failingFor / 1000)} s)`
    : null;
  if (oldest && failingFor >= policy.lostAfterMs) return { status: 'lost', reason: why };
  if (!watches.every((w) => w.synced)) {
    const waiting = watches.filter((w) => !w.synced).map((w) => w.name);
    return { status: 'connecting', reason: why ?? `waiting for the first list of ${waiting.join(', ')}` };
  }
  if (oldest && failingFor >= policy.degradedAfterMs) return { status: 'degraded', reason: why };
  return { status: 'synced', reason: null };
}
