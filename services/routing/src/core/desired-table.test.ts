import { describe, expect, it } from 'vitest';
import type { VerdictStatus } from '@isthmus/contracts';
import { computeDesiredTable } from './desired-table';
import { defaultPolicy } from './communities';
import {
  blockKey,
  type BlockView,
  type ClusterView,
  type RoutingInputs,
  type RoutingSettings,
} from './types';

// Seed 002: a Kubernetes cluster whose Calico blocks are /26s of 192.168.0.0/17 on three
// workers, and a static (DC/OS) cluster with a /24 per agent in 192.168.128.0/17.
const k8s: ClusterView = { id: 'k8s', status: 'synced', policy: defaultPolicy(1) };
const dcos: ClusterView = { id: 'dcos', status: 'synced', policy: defaultPolicy(2) };
const block = (cluster: string, cidr: string, node: string, nextHop: string, revision = 1): BlockView => ({
  cluster,
  cidr,
  node,
  nextHop,
  source: cluster === 'k8s' ? 'calico-blockaffinity' : 'static',
  revision,
});
const seedBlocks: BlockView[] = [
  block('k8s', '192.168.0.0/26', 'w1', '10.0.0.11', 10),
  block('k8s', '192.168.0.64/26', 'w2', '10.0.0.12', 11),
  block('k8s', '192.168.0.128/26', 'w3', '10.0.0.13', 12),
  block('dcos', '192.168.128.0/24', 'a1', '10.0.1.21', 20),
  block('dcos', '192.168.129.0/24', 'a2', '10.0.1.22', 21),
];
const settings: RoutingSettings = { localAsn: 64511, requireVerdict: true, staleAfterMs: 60_000 };
const allValid = (blocks: BlockView[]) =>
  new Map<string, VerdictStatus>(blocks.map((b) => [blockKey(b.cluster, b.cidr), 'valid']));

function inputs(over: Partial<RoutingInputs> = {}): RoutingInputs {
  const blocks = [...(over.blocks ?? seedBlocks)];
  return {
    clusters: new Map([
      ['k8s', k8s],
      ['dcos', dcos],
    ]),
    blocks,
    verdicts: allValid(blocks),
    settings,
    now: Date.parse('2026-12-07T12:00:00Z'),
    ...over,
  };
}
const routeSummary = (t: ReturnType<typeof computeDesiredTable>) =>
  [...t.routes.values()].map((r) => `${r.prefix} via ${r.nextHop} (${r.cluster}/${r.node})`);
const reasons = (t: ReturnType<typeof computeDesiredTable>) =>
  t.excluded.map((e) => `${e.cluster}/${e.cidr}: ${e.reason}`);

describe('computeDesiredTable', () => {
  it('routes every valid block of both clusters with its node as next hop', () => {
    const table = computeDesiredTable(inputs());
    expect(routeSummary(table)).toEqual([
      '192.168.128.0/24 via 10.0.1.21 (dcos/a1)',
      '192.168.129.0/24 via 10.0.1.22 (dcos/a2)',
      '192.168.0.0/26 via 10.0.0.11 (k8s/w1)',
      '192.168.0.128/26 via 10.0.0.13 (k8s/w3)',
      '192.168.0.64/26 via 10.0.0.12 (k8s/w2)',
    ]);
    expect(table.excluded).toEqual([]);
    expect(table.nextChangeAt).toBeUndefined();
  });

  it("tags each cluster's routes with its communities, one attributes object per cluster", () => {
    const table = computeDesiredTable(inputs());
    const w1 = table.routes.get('192.168.0.0/26')!;
    const w2 = table.routes.get('192.168.0.64/26')!;
    const a1 = table.routes.get('192.168.128.0/24')!;
    expect(w1.attributes).toBe(w2.attributes); // shared by identity: the speaker interns by it
    expect(w1.attributes).toEqual({
      communities: [((64511 << 16) | 1) >>> 0],
      largeCommunities: [[64511, 1, 1]],
    });
    expect(a1.attributes).toEqual({
      communities: [((64511 << 16) | 2) >>> 0],
      largeCommunities: [[64511, 1, 2]],
    });
  });

  it('never routes a block in conflict or outside its allocation, and says why', () => {
    const blocks = [...seedBlocks, block('dcos', '192.168.0.0/25', 'a3', '10.0.1.23', 30)];
    const verdicts = allValid(blocks);
    verdicts.set(blockKey('dcos', '192.168.0.0/25'), 'conflict');
    verdicts.set(blockKey('k8s', '192.168.0.128/26'), 'outside-allocation');
    const table = computeDesiredTable(inputs({ blocks, verdicts }));
    expect(table.routes.has('192.168.0.0/25')).toBe(false);
    expect(table.routes.has('192.168.0.128/26')).toBe(false);
    expect(reasons(table)).toEqual([
      'dcos/192.168.0.0/25: conflict',
      'k8s/192.168.0.128/26: outside-allocation',
    ]);
    // The conflict cleared: the block is routed.
    verdicts.set(blockKey('dcos', '192.168.0.0/25'), 'valid');
    expect(computeDesiredTable(inputs({ blocks, verdicts })).routes.get('192.168.0.0/25')?.nextHop).toBe(
      '10.0.1.23',
    );
  });

  it('holds a block without a verdict back while verdicts are required, and routes it when not', () => {
    const verdicts = allValid(seedBlocks);
    verdicts.delete(blockKey('k8s', '192.168.0.64/26'));
    const waiting = computeDesiredTable(inputs({ verdicts }));
    expect(reasons(waiting)).toEqual(['k8s/192.168.0.64/26: no-verdict']);
    const open = computeDesiredTable(inputs({ verdicts, settings: { ...settings, requireVerdict: false } }));
    expect(open.routes.has('192.168.0.64/26')).toBe(true);
    expect(open.excluded).toEqual([]);
  });

  it('leaves out every block of a cluster that opted out', () => {
    const clusters = new Map([
      ['k8s', { ...k8s, policy: { ...k8s.policy, advertise: false } }],
      ['dcos', dcos],
    ]);
    const table = computeDesiredTable(inputs({ clusters }));
    expect([...table.routes.values()].every((r) => r.cluster === 'dcos')).toBe(true);
    expect(reasons(table)).toEqual([
      'k8s/192.168.0.0/26: cluster-opted-out',
      'k8s/192.168.0.128/26: cluster-opted-out',
      'k8s/192.168.0.64/26: cluster-opted-out',
    ]);
  });

  it('keeps a degraded cluster, and a lost one until the stale timeout, then withdraws it', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const degraded = new Map([
      ['k8s', { ...k8s, status: 'degraded' as const }],
      ['dcos', dcos],
    ]);
    expect(computeDesiredTable(inputs({ clusters: degraded })).routes.size).toBe(5);

    const lostSince = now - 59_000;
    const lost = new Map([
      ['k8s', { ...k8s, status: 'lost' as const, lostSince }],
      ['dcos', dcos],
    ]);
    const stillThere = computeDesiredTable(inputs({ clusters: lost, now }));
    expect(stillThere.routes.size).toBe(5);
    expect(stillThere.nextChangeAt).toBe(lostSince + 60_000);

    const gone = computeDesiredTable(inputs({ clusters: lost, now: lostSince + 60_000 }));
    expect([...gone.routes.values()].map((r) => r.cluster)).toEqual(['dcos', 'dcos']);
    expect(gone.excluded.map((e) => e.reason)).toEqual(['stale', 'stale', 'stale']);
    expect(gone.excluded[0]!.detail).toBe(`lost since ${new Date(lostSince).toISOString()}`);
    expect(gone.nextChangeAt).toBeUndefined();
  });

  it("withdraws a deleted cluster's blocks at once", () => {
    const table = computeDesiredTable(inputs({ clusters: new Map([['dcos', dcos]]) }));
    expect(table.routes.size).toBe(2);
    expect(table.excluded.map((e) => e.reason)).toEqual([
      'cluster-unknown',
      'cluster-unknown',
      'cluster-unknown',
    ]);
  });

  it('routes an IPv6 block through its IPv6 next hop, and refuses a next hop of the other family', () => {
    const blocks = [
      ...seedBlocks,
      block('k8s', 'fd00:1::/64', 'w1', 'fd00::11', 40),
      block('k8s', 'fd00:2::/64', 'w2', '10.0.0.12', 41),
    ];
    const table = computeDesiredTable(inputs({ blocks }));
    expect(table.routes.get('fd00:1::/64')?.nextHop).toBe('fd00::11');
    expect(table.excluded).toEqual([
      {
        cluster: 'k8s',
        cidr: 'fd00:2::/64',
        node: 'w2',
        reason: 'next-hop-family',
        detail: 'next hop 10.0.0.12 is not an IPv6 address',
      },
    ]);
  });

  it('without verdicts, gives a prefix held by two clusters to the block the registry saw first', () => {
    const blocks = [...seedBlocks, block('dcos', '192.168.0.0/26', 'a9', '10.0.1.29', 5)];
    const open = { ...settings, requireVerdict: false };
    const table = computeDesiredTable(inputs({ blocks, verdicts: new Map(), settings: open }));
    expect(table.routes.get('192.168.0.0/26')).toMatchObject({ cluster: 'dcos', node: 'a9' });
    expect(table.excluded).toEqual([
      {
        cluster: 'k8s',
        cidr: '192.168.0.0/26',
        node: 'w1',
        reason: 'prefix-taken',
        detail: 'dcos/192.168.0.0/26 was seen first',
      },
    ]);
  });

  it('gives the same table whatever the order of its input, and the same table twice', () => {
    const blocks = [
      ...seedBlocks,
      block('dcos', '192.168.0.0/26', 'a9', '10.0.1.29', 10), // same revision as k8s/w1: cluster id decides
      block('nowhere', '10.9.0.0/24', 'x', '10.9.0.1', 3),
    ];
    const verdicts = allValid(blocks);
    verdicts.set(blockKey('k8s', '192.168.0.64/26'), 'conflict');
    verdicts.delete(blockKey('dcos', '192.168.129.0/24'));
    const open = { ...settings, requireVerdict: false };
    const expected = computeDesiredTable(inputs({ blocks, verdicts, settings: open }));
    expect(expected.routes.get('192.168.0.0/26')?.cluster).toBe('dcos');
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20; i++) {
      const shuffled = [...blocks].sort(() => random() - 0.5);
      const table = computeDesiredTable(inputs({ blocks: shuffled, verdicts, settings: open }));
      expect([...table.routes.entries()]).toEqual([...expected.routes.entries()]);
      expect(table.excluded).toEqual(expected.excluded);
    }
  });
});
