import { describe, expect, it } from 'vitest';
import type { ClusterStatus, VerdictStatus } from '@isthmus/contracts';
import { defaultPolicy } from './communities';
import { computeDesiredTable } from './desired-table';
import { DesiredTableState } from './table-state';
import {
  blockKey,
  type BlockView,
  type ClusterView,
  type DesiredRouteEntry,
  type RoutingSettings,
} from './types';

/**
 * computeDesiredTable() is the specification; DesiredTableState must agree with it after every
 * step of random change sequences over a small world where everything collides: three clusters,
 * five prefixes (two IPv6), blocks moving between nodes, verdicts coming and going, clusters
 * lost, stale, opted out, deleted. A failing case prints its seed and step.
 */
const clusterIds = ['a', 'b', 'c'];
const cidrs = ['10.1.0.0/24', '10.1.1.0/24', '10.2.0.0/16', 'fd00:1::/64', 'fd00:2::/64'];
const nodes = ['n1', 'n2'];
const statuses: ClusterStatus[] = ['connecting', 'synced', 'degraded', 'lost'];
const verdictValues: (VerdictStatus | undefined)[] = [
  'valid',
  'valid',
  'conflict',
  'outside-allocation',
  undefined,
];

function random(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0) / 2 ** 32;
  };
  return {
    below: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

function run(seed: number, steps: number, settings: RoutingSettings) {
  const r = random(seed);
  let now = 1_000_000;
  let revision = 0;
  const state = new DesiredTableState(settings, now);
  const clusters = new Map<string, ClusterView>();
  const blocks = new Map<string, BlockView>();
  const verdicts = new Map<string, VerdictStatus>();
  // What the peers would hold: the table rebuilt from takeChanges() alone.
  const sent = new Map<string, DesiredRouteEntry>();

  for (let step = 0; step < steps; step++) {
    const op = r.below(10);
    const cluster = r.pick(clusterIds);
    const cidr = r.pick(cidrs);
    if (op < 2) {
      if (r.chance(0.15)) {
        clusters.delete(cluster);
        state.setCluster(cluster, undefined);
      } else {
        const status = r.pick(statuses);
        const view: ClusterView = {
          id: cluster,
          status,
          policy: { ...defaultPolicy(1 + clusterIds.indexOf(cluster)), advertise: !r.chance(0.15) },
          ...(status === 'lost' ? { lostSince: now - r.below(3) * 400 } : {}),
        };
        if (r.chance(0.2)) view.policy = { ...view.policy, communities: [[65000, r.below(3)]] };
        clusters.set(cluster, view);
        state.setCluster(cluster, view);
      }
    } else if (op < 6) {
      const key = blockKey(cluster, cidr);
      if (r.chance(0.25)) {
        blocks.delete(key);
        state.setBlock(cluster, cidr, undefined);
      } else {
        const v6 = cidr.includes(':');
        // Sometimes a next hop of the wrong family; a re-sent block keeps its first revision.
        const wrongFamily = r.chance(0.1);
        const nextHop = v6 !== wrongFamily ? `fd00::${1 + r.below(3)}` : `192.0.2.${1 + r.below(3)}`;
        const block: BlockView = {
          cluster,
          cidr,
          node: r.pick(nodes),
          nextHop,
          source: 'static',
          revision: blocks.get(key)?.revision ?? (r.chance(0.2) ? revision : ++revision),
        };
        blocks.set(key, block);
        state.setBlock(cluster, cidr, block);
      }
    } else if (op < 9) {
      const status = r.pick(verdictValues);
      const key = blockKey(cluster, cidr);
      if (status) verdicts.set(key, status);
      else verdicts.delete(key);
      state.setVerdict(cluster, cidr, status);
    } else {
      now += r.below(3) * 500;
      state.advance(now);
    }

    if (r.chance(0.5) || step === steps - 1) {
      const changes = state.takeChanges();
      for (const route of changes.upserted) sent.set(route.prefix, route);
      for (const prefix of changes.withdrawn) sent.delete(prefix);
    }

    const expected = computeDesiredTable({ clusters, blocks: blocks.values(), verdicts, settings, now });
    const where = `seed ${seed}, step ${step}`;
    const snapshot = state.snapshot();
    expect(sortedRoutes(state.routes), where).toEqual(sortedRoutes(expected.routes));
    expect(snapshot.excluded, where).toEqual(expected.excluded);
    expect(snapshot.nextChangeAt, where).toEqual(expected.nextChangeAt);
  }
  expect(sortedRoutes(sent)).toEqual(sortedRoutes(state.routes));
}

const sortedRoutes = (routes: ReadonlyMap<string, DesiredRouteEntry>) =>
  [...routes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('DesiredTableState', () => {
  const settings: RoutingSettings = { localAsn: 64511, requireVerdict: true, staleAfterMs: 1000 };

  it('equals computeDesiredTable after every change (verdicts required)', () => {
    for (let seed = 1; seed <= 200; seed++) run(seed, 150, settings);
  });

  it('equals computeDesiredTable after every change (verdicts not required)', () => {
    for (let seed = 1001; seed <= 1200; seed++) run(seed, 150, { ...settings, requireVerdict: false });
  });

  it('reports each prefix once per takeChanges, and nothing for a change undone', () => {
    const state = new DesiredTableState(settings, 0);
    const view: ClusterView = { id: 'a', status: 'synced', policy: defaultPolicy(1) };
    const block: BlockView = {
      cluster: 'a',
      cidr: '10.1.0.0/24',
      node: 'n1',
      nextHop: '192.0.2.1',
      source: 'static',
      revision: 1,
    };
    state.setCluster('a', view);
    state.setBlock('a', block.cidr, block);
    state.setVerdict('a', block.cidr, 'valid');
    expect(state.takeChanges()).toMatchObject({ upserted: [{ prefix: '10.1.0.0/24' }], withdrawn: [] });
    state.setVerdict('a', block.cidr, 'conflict');
    state.setVerdict('a', block.cidr, 'valid');
    state.setBlock('a', block.cidr, { ...block, node: 'n1' });
    expect(state.takeChanges()).toEqual({ upserted: [], withdrawn: [] });
    state.setBlock('a', block.cidr, { ...block, node: 'n2', nextHop: '192.0.2.2' });
    state.setBlock('a', block.cidr, { ...block, node: 'n2', nextHop: '192.0.2.3' });
    expect(state.takeChanges().upserted.map((r) => r.nextHop)).toEqual(['192.0.2.3']);
    state.setCluster('a', undefined);
    expect(state.takeChanges()).toEqual({ upserted: [], withdrawn: ['10.1.0.0/24'] });
  });
});
