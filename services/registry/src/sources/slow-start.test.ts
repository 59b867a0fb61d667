import { describe, expect, it } from 'vitest';

import { pollUntil } from '@isthmus/testing';

import { request } from '../testing/registry-harness';
import { watchingReplicas } from '../testing/watching-replicas';

const LEASE_MS = 2_000;

/**
 * A source that is slow to start (its API server takes seconds to answer the first requests)
 * must not cost its replica the lease: the replica keeps renewing while the source starts, and
 * the other replica never watches the cluster. The API server is made slow on purpose.
 */
describe('a source slow to start', () => {
  const set = watchingReplicas('slowstart');

  it('keeps its lease while the source starts, and no other replica watches the cluster', async () => {
    await set.start(2, {
      CLUSTER_LEASE_MS: String(LEASE_MS),
      SOURCE_SYNC_INTERVAL_MS: '200',
      KUBE_CRD_CHECK_INTERVAL_MS: '60000',
    });
    const [first] = set.replicas;
    // The first look for Calico's resources (part of a source's start) takes 3 leases' time.
    set.api.inject({
      match: { resource: 'blockaffinities', verb: 'list' },
      fault: { delayMs: 3 * LEASE_MS },
    });
    const res = await request(first!.url, 'POST', '/v1/clusters', {
      id: 'slow',
      kind: 'kubernetes',
      connection: { kubeconfig: set.api.kubeconfig() },
    });
    expect(res.status).toBe(201);

    const owner = await pollUntil('a replica to take the lease', () => set.owner('slow'));
    await pollUntil(
      'the blocks, once the slow start is over',
      async () =>
        ((await request(first!.url, 'GET', '/v1/pod-blocks?cluster=slow')).body.items as unknown[]).length ===
        3,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(await set.owner('slow')).toBe(owner);
    expect(set.replicas.filter((r) => r.output().includes('watching cluster slow'))).toHaveLength(1);
    for (const r of set.replicas) expect(r.output()).not.toMatch(/lost the lease of cluster slow/);
  });
});
