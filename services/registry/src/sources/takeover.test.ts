import { describe, expect, it } from 'vitest';

import { pollUntil } from '@isthmus/testing';

import { blockAffinity, node } from '../testing/kube-fixtures';

import { request } from '../testing/registry-harness';
import { watchingReplicas } from '../testing/watching-replicas';

const LEASE_MS = 2_000;

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/**
 * Two registry replicas share a database: each cluster is watched by exactly one of them, and
 * when that one is killed (SIGKILL: no shutdown, the lease is not released) the other takes the
 * cluster over once the lease expires, and the registry follows the cluster again.
 */
describe('two registry replicas', () => {
  const set = watchingReplicas('takeover');

  it('hands a watched cluster over to the surviving replica within the lease time', async () => {
    await set.start(2, {
      CLUSTER_LEASE_MS: String(LEASE_MS),
      SOURCE_SYNC_INTERVAL_MS: '200',
      SOURCE_BACKOFF_INITIAL_MS: '50',
      SOURCE_BACKOFF_MAX_MS: '500',
      KUBE_CRD_CHECK_INTERVAL_MS: '200',
    });
    const { api, replicas } = set;
    const res = await request(replicas[0]!.url, 'POST', '/v1/clusters', {
      id: 'seed',
      kind: 'kubernetes',
      connection: { kubeconfig: api.kubeconfig() },
    });
    expect(res.status).toBe(201);

    const blocks = async (url: string) =>
      ((await request(url, 'GET', '/v1/pod-blocks?cluster=seed')).body.items as { cidr: string }[])
        .map((b) => b.cidr)
        .sort();
    await pollUntil('the three blocks', async () => (await blocks(replicas[1]!.url)).length === 3, {
      intervalMs: 50,
    });
    const owner = () => set.owner('seed');
    const first = await owner();
    const ownerIndex = replicas.findIndex((r) => first?.includes(`-${r.child.pid}-`));
    expect(ownerIndex).toBeGreaterThanOrEqual(0);
    const survivor = replicas[1 - ownerIndex]!;
    // One watcher at a time: the other replica is not watching the cluster. It may have watched
    // it before, when it held the lease first and then lost it (a 2 s lease on a starved machine:
    // seen with a load average of 14 on 2 cores); then it stopped every watch it started.
    const output = survivor.output();
    expect(count(output, /watching cluster seed/g)).toBe(count(output, /lost the lease of cluster seed/g));

    const killedAt = Date.now();
    await replicas[ownerIndex]!.kill();
    api.apply(node('k8s-worker-4', '172.16.18.37'));
    api.apply(blockAffinity('k8s-worker-4', '192.168.8.0/26'));

    await pollUntil(
      'the survivor to hold the lease',
      async () => (await owner())?.includes(`-${survivor.child.pid}-`),
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const takeoverMs = Date.now() - killedAt;
    await pollUntil(
      'the change made after the kill',
      async () => (await blocks(survivor.url)).includes('192.168.8.0/26'),
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(survivor.output()).toMatch(/watching cluster seed/);
    // The requirement: taken over "within the lease time". The lease runs out LEASE_MS
    // after the last renewal and the survivor looks every 200 ms; the margin is for a loaded,
    // shared machine, not for the mechanism (typically about LEASE_MS).
    expect(takeoverMs).toBeLessThan(LEASE_MS + 8_000);
    const status = (await request(survivor.url, 'GET', '/v1/clusters/seed')).body.status;
    await pollUntil(
      `synced (was ${status})`,
      async () => (await request(survivor.url, 'GET', '/v1/clusters/seed')).body.status === 'synced',
      { intervalMs: 50 },
    );
  });
});
