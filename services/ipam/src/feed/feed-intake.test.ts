import { describe, expect, it } from 'vitest';
import type { RegistryEvent } from '@isthmus/contracts';
import { LookupIndex } from '../lookup/lookup-index';
import { ValidationState } from '../validation/validation-state';
import { FeedIntake } from './feed-intake';
import type { BlockGone, BlockSighting, FirstSeen } from './first-seen-store';

/** The first-seen table's contract in memory: insert if absent, forget rows older than the tombstone. */
class FirstSeenInMemory {
  readonly rows = new Map<string, FirstSeen>();
  readonly calls: string[][] = [];
  failures = 0;

  async record(sightings: readonly BlockSighting[]): Promise<FirstSeen[]> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connect ECONNREFUSED');
    }
    this.calls.push(sightings.map((s) => `${s.cluster}/${s.cidr}`));
    return sightings.map((s) => {
      const key = `${s.cluster}/${s.cidr}`;
      if (!this.rows.has(key)) this.rows.set(key, { firstSeen: s.at, firstRevision: s.revision });
      return this.rows.get(key)!;
    });
  }

  async forget(gone: readonly BlockGone[]): Promise<void> {
    for (const g of gone) {
      const key = `${g.cluster}/${g.cidr}`;
      if ((this.rows.get(key)?.firstRevision ?? Infinity) < g.revision) this.rows.delete(key);
    }
  }
}

let revision = 0;
const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, s)).toISOString();
function block(cluster: string, cidr: string, node: string, second: number): RegistryEvent {
  const state = { cluster, cidr, node, nextHop: '192.0.2.1', source: 'static' as const };
  return { kind: 'block', revision: ++revision, at: at(second), deleted: false, state };
}
function gone(cluster: string, cidr: string): RegistryEvent {
  return { kind: 'block', revision: ++revision, at: at(59), deleted: true, key: { cluster, cidr } };
}

function intake(store = new FirstSeenInMemory()) {
  const validation = new ValidationState();
  const lookup = new LookupIndex();
  const feed = new FeedIntake(store, validation, lookup, {
    batchSize: 100,
    highWater: 1000,
    retryMs: 1,
    logger: { warn: () => undefined },
  });
  feed.start();
  return { feed, store, validation, lookup };
}

describe('FeedIntake', () => {
  it('judges a block by its first sighting, kept across later announcements', async () => {
    const { feed, validation } = intake();
    await feed.push(block('k8s', '10.0.0.0/26', 'worker-1', 1));
    await feed.push(block('dcos', '10.0.0.0/24', 'agent-1', 2));
    // The k8s block moves to another node later: still the older of the two.
    await feed.push(block('k8s', '10.0.0.0/26', 'worker-2', 3));
    await feed.idle();
    expect(validation.verdict('dcos', '10.0.0.0/24')?.status).toBe('conflict');
    expect(validation.verdict('k8s', '10.0.0.0/26')).toMatchObject({ status: 'valid', node: 'worker-2' });
    expect(validation.conflicts()[0]?.kept.firstSeen).toBe(Date.parse(at(1)));
    await feed.stop();
  });

  it('never puts two events of one block in a batch, and keeps their order', async () => {
    const { feed, store, validation, lookup } = intake();
    const events = [
      block('k8s', '10.1.0.0/26', 'n1', 1),
      block('k8s', '10.1.0.64/26', 'n1', 1),
      gone('k8s', '10.1.0.0/26'),
      block('k8s', '10.1.0.0/26', 'n2', 5),
    ];
    for (const e of events) void feed.push(e);
    await feed.idle();
    expect(store.calls).toEqual([['k8s/10.1.0.0/26', 'k8s/10.1.0.64/26'], [], ['k8s/10.1.0.0/26']]);
    // The block announced again is a new life: first seen at its new announcement.
    expect(store.rows.get('k8s/10.1.0.0/26')).toEqual({
      firstSeen: Date.parse(at(5)),
      firstRevision: revision,
    });
    expect(validation.verdict('k8s', '10.1.0.0/26')?.node).toBe('n2');
    expect(lookup.holders('10.1.0.1').matches.map((m) => m.owner)).toEqual([
      { kind: 'block', cluster: 'k8s', node: 'n2', nextHop: '192.0.2.1' },
    ]);
    await feed.stop();
  });

  it('retries a batch whose first sightings could not be recorded, applying nothing before', async () => {
    const store = new FirstSeenInMemory();
    store.failures = 3;
    const { feed, validation } = intake(store);
    await feed.push(block('k8s', '10.2.0.0/26', 'n1', 1));
    await feed.idle();
    expect(store.failures).toBe(0);
    expect(validation.blockCount).toBe(1);
    expect(store.calls).toHaveLength(1);
    await feed.stop();
  });

  it('applies services and nodes to the lookup index', async () => {
    const { feed, lookup } = intake();
    const endpoint = {
      address: '10.3.0.5',
      ports: [],
      node: 'n1',
      hostname: null,
      ready: true,
      serving: true,
      terminating: false,
    };
    const service = {
      cluster: 'k8s',
      namespace: 'shop',
      name: 'web',
      type: 'ClusterIP' as const,
      clusterIPs: [],
      loadBalancerIPs: [],
      externalName: null,
      ports: [],
      labels: {},
      exported: true,
      endpoints: [endpoint],
    };
    await feed.push({ kind: 'service', revision: ++revision, at: at(1), deleted: false, state: service });
    const node = { cluster: 'k8s', name: 'n1', addresses: ['192.0.2.7'], ready: true, labels: {} };
    await feed.push({ kind: 'node', revision: ++revision, at: at(1), deleted: false, state: node });
    await feed.idle();
    expect(lookup.holders('10.3.0.5').matches).toHaveLength(1);
    expect(lookup.holders('192.0.2.7').nodes).toEqual([{ cluster: 'k8s', node: 'n1' }]);
    const key = { cluster: 'k8s', namespace: 'shop', name: 'web' };
    await feed.push({ kind: 'service', revision: ++revision, at: at(2), deleted: true, key });
    await feed.push({
      kind: 'node',
      revision: ++revision,
      at: at(2),
      deleted: true,
      key: { cluster: 'k8s', name: 'n1' },
    });
    await feed.idle();
    expect(lookup.holders('10.3.0.5').matches).toEqual([]);
    expect(lookup.holders('192.0.2.7').nodes).toEqual([]);
    await feed.stop();
  });
});
